import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import type { BuildReport } from "../../build/build.js";
import type { ProgressFactory } from "../../build/progress.js";
import type { CaseResult } from "../../eval/index.js";
import { plural } from "../../inspect/human.js";
import { requireProject } from "../../project/load.js";
import { resolveStoreRoot } from "../../store/store-root.js";
import type { CliContext } from "../context.js";
import { tryRunHint } from "../next-steps.js";
import { describeModelLazily, exitCodeOf, openModelLazily } from "./test.js";

export interface BuildArgs {
  models?: string[];
  dir?: string;
  frozen?: boolean;
  offline?: boolean;
  test?: boolean;
  jobs?: number;
  json?: boolean;
}

/**
 * `modelsmith build [model..] [-C dir] [--frozen] [--offline] [-j N] [--json]`:
 * resolves every base model, builds each variant into the store
 * ($MODELSMITH_HOME) and writes models.lock when it changed. Progress lines go
 * to stderr; `--json` prints one document (models, tags, manifest digests).
 * Then, unless `--no-test`, runs the prompt tests of the models it built (each
 * variant: every `quantize` type), as `modelsmith test` does: exit 1 when a case fails.
 */
export function buildCommand(ctx: CliContext): CommandModule<object, BuildArgs> {
  return {
    command: "build [models..]",
    describe: "Resolve, lock, fetch, quantize and assemble the project's models",
    builder: (y) =>
      y
        .positional("models", { type: "string", array: true, describe: "Models to build (default: all)" })
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory" })
        .option("frozen", { type: "boolean", describe: "Fail when models.lock is missing or stale; never write it" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" })
        .option("test", { type: "boolean", default: true, describe: "Run the models' tests after building (--no-test skips them)" })
        .option("jobs", { alias: "j", type: "number", default: 1, describe: "Build steps to run at once" }),
    handler: async (args) => {
      const { report, tests, store } = await buildAndTest(ctx, args);
      if (args.json) ctx.json({ ok: exitCodeOf(tests) === 0, store, lockFile: report.lockFile, lockWritten: report.lockWritten, stepsRun: report.ran.length, models: report.variants, tests: (await import("../../eval/index.js")).summarize(tests) });
      ctx.exitCode = exitCodeOf(tests);
    },
  };
}

export interface BuildAndTestOptions {
  /** Build progress: default a live step list on a TTY, else one line per step. */
  progress?: ProgressFactory;
  /** Only the summary lines (`watch`): no line per built tag, the test table only when a case did not pass. */
  brief?: boolean;
}

/**
 * What `build` does, for `build` and `watch`: builds (progress and summary on
 * stderr), then, unless `--no-test`, runs the tests of the models built.
 * Throws what the build throws (bad input, environment).
 */
export async function buildAndTest(ctx: CliContext, args: BuildArgs, o: BuildAndTestOptions = {}): Promise<{ report: BuildReport; tests: CaseResult[]; store: string }> {
  const started = Date.now();
  // The build engine, its progress renderers and (for tests) node-llama-cpp are loaded only when a command needs them:
  // a no-op build must start fast.
  const { buildProject, buildDisplay } = await loadBuildEngine();
  const display = buildDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line));
  const store = resolveStoreRoot(ctx.env, homedir(), process.cwd());
  const r = await buildProject({
    dir: args.dir ?? ".",
    ...(args.models?.length ? { models: args.models } : {}),
    frozen: Boolean(args.frozen),
    offline: Boolean(args.offline),
    jobs: Math.max(1, Math.floor(args.jobs ?? 1)),
    storeRoot: store,
    home: homedir(),
    display: (abs) => path.relative(process.cwd(), abs) || abs,
    sources: ctx.sources,
    progress: o.progress ?? display.progress,
    activity: display.activity,
  });
  ctx.report(r.warnings);
  if (!args.json) {
    if (!o.brief) for (const v of r.variants) ctx.err(`built ${v.model}:${v.tag} ${v.manifest}`);
    const models = new Set(r.variants.map((v) => v.model)).size;
    ctx.err(`built ${plural(models, "model")} (${plural(r.variants.length, "tag")}, ${plural(r.ran.length, "step")} run) in ${((Date.now() - started) / 1000).toFixed(1)}s; ${r.lockFile} ${r.lockWritten ? "written" : "unchanged"}`);
  }
  const tests = args.test === false ? [] : await testBuilt(ctx, args, store, new Set(r.variants.map((v) => v.model)), Boolean(o.brief));
  if (!args.json && !o.brief && r.variants.length > 0 && exitCodeOf(tests) === 0) ctx.err(tryRunHint(r.variants[0]!.model));
  return { report: r, tests, store };
}

/** The prompt tests of the built models that list test files; the console report goes to stderr (stdout is for --json). */
async function testBuilt(ctx: CliContext, args: BuildArgs, storeRoot: string, built: Set<string>, brief: boolean): Promise<CaseResult[]> {
  const project = await requireProject(args.dir ?? ".");
  const models = project.models.filter((m) => m.tests.length > 0 && built.has(m.name)).map((m) => m.name);
  if (models.length === 0) return [];
  const { consoleReport, runProjectTests, summarize, summaryLine } = await import("../../eval/index.js");
  const results = await runProjectTests(project, {
    models,
    storeRoot,
    open: openModelLazily,
    describe: describeModelLazily,
    display: (abs) => path.relative(process.cwd(), abs) || abs,
    sources: ctx.sources,
    ...(brief ? {} : { onModel: (name: string, n: number) => ctx.err(`testing ${name}: ${n} case${n === 1 ? "" : "s"}`) }),
  });
  const summary = summarize(results);
  if (args.json || (brief && summary.failed === 0 && summary.errors === 0)) ctx.err(summaryLine(summary));
  else ctx.stderr.write(consoleReport(results));
  return results;
}

/** The build engine and its progress renderers, shared with `lock`. */
export async function loadBuildEngine() {
  const [{ buildProject, lockProject }, { lineProgress }, { buildDisplay }] = await Promise.all([
    import("../../build/build.js"),
    import("../../build/progress.js"),
    import("../../build/display.js"),
  ]);
  return { buildProject, lockProject, lineProgress, buildDisplay };
}
