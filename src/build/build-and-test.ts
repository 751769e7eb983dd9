import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CaseResult } from "../eval/runner.js";
import { plural } from "../inspect/human.js";
import { describeModelLazily, openEmbedderLazily, openModelLazily } from "../runtime/lazy.js";
import { displayShortest, tryParseModelName } from "../store/name.js";
import { buildProject, type BuildOptions, type BuildReport } from "./build.js";

/** Where the orchestration writes what the user reads (stderr for the CLI: stdout is for --json). */
export interface BuildOutput {
  /** One line: a summary, a test progress line. */
  say(line: string): void;
  /** A block of text as it is: the console test report. */
  write(text: string): void;
  /** Warnings the build found (it went on). */
  report(diagnostics: readonly Diagnostic[]): void;
}

export interface BuildAndTestOptions extends BuildOptions {
  /** Run the prompt tests of the models built (`--no-test`: false). */
  test: boolean;
  /** A JSON document follows on stdout: no line per built tag, and the tests' summary line instead of their table. */
  json?: boolean;
  /** Only the summary lines (`watch`): no line per built tag, the test table only when a case did not pass. */
  brief?: boolean;
  out: BuildOutput;
}

/**
 * What `build`, `watch` and `create` do: build (buildProject: progress
 * through `o.progress`), say what was built, then, when `o.test`, run the
 * prompt tests of the models built that list test files, as `modelsmith test`
 * does. Throws what the build throws (bad input, environment); failing cases
 * are results, not throws (exitCodeOf tells the exit code).
 */
export async function buildAndTest(o: BuildAndTestOptions): Promise<{ report: BuildReport; tests: CaseResult[] }> {
  const started = Date.now();
  const r = await buildProject(o);
  o.out.report(r.warnings);
  if (!o.json) {
    if (!o.brief) for (const v of r.variants) o.out.say(`built ${shown(v.name)} ${v.manifest}`);
    o.out.say(summary(r, Date.now() - started));
  }
  const tests = o.test ? await testBuilt(o, r) : [];
  return { report: r, tests };
}

/** `registry.ollama.ai/library/chat:latest` as Ollama shows it: `chat:latest`. */
function shown(name: string): string {
  const n = tryParseModelName(name);
  return n ? displayShortest(n) : name;
}

function summary(r: BuildReport, ms: number): string {
  const models = new Set(r.variants.map((v) => v.model)).size;
  const lock = r.lockFile === undefined ? "" : `; ${r.lockFile} ${r.lockWritten ? "written" : "unchanged"}`;
  return `built ${plural(models, "model")} (${plural(r.variants.length, "tag")}, ${plural(r.ran.length, "step")} run) in ${(ms / 1000).toFixed(1)}s${lock}`;
}

/** The prompt tests of the built models that list test files. */
async function testBuilt(o: BuildAndTestOptions, r: BuildReport): Promise<CaseResult[]> {
  const built = new Set(r.variants.map((v) => v.model));
  const models = r.project.models.filter((m) => m.tests.length > 0 && built.has(m.name)).map((m) => m.name);
  if (models.length === 0) return [];
  // The eval module (and, through it, node-llama-cpp) is loaded only when there are tests to run: a no-op build must start fast.
  const { consoleReport, runProjectTests, summarize, summaryLine } = await import("../eval/index.js");
  const results = await runProjectTests(r.project, {
    models,
    storeRoot: o.storeRoot,
    open: openModelLazily,
    openEmbedder: openEmbedderLazily,
    describe: describeModelLazily,
    display: o.display,
    sources: o.sources,
    ...(o.brief ? {} : { onModel: (name: string, n: number) => o.out.say(`testing ${name}: ${plural(n, "case")}`) }),
  });
  const s = summarize(results);
  if (o.json || (o.brief && s.failed === 0 && s.errors === 0)) o.out.say(summaryLine(s));
  else o.out.write(consoleReport(results));
  return results;
}
