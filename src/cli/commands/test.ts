import { writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../../diagnostics/errors.js";
import { compareHtml, consoleReport, exitCodeOf, htmlReport, jsonReport, junitReport, runProjectTests, summarize, summaryLine } from "../../eval/index.js";
import { loadProject } from "../../project/load.js";
import { compareJson, compareModels, compareReport } from "../../eval/compare/index.js";
import type { Project } from "../../project/project.js";
import { describeModelLazily, openEmbedderLazily, openModelLazily } from "../../runtime/lazy.js";
import { resolveStoreRoot } from "../../store/store-root.js";
import type { CliContext } from "../context.js";

export type Reporter = "console" | "json" | "junit" | "html";

export interface TestArgs {
  models?: string[];
  dir?: string;
  reporter?: Reporter;
  output?: string;
  grep?: string;
  cache?: boolean;
  parallel?: number;
  json?: boolean;
  compare?: boolean;
}

/**
 * `modelsmith test [model..] [--reporter console|json|junit|html] [-o file] [--grep re] [--no-cache] [-C dir]`:
 * runs the prompt tests of built models: each variant of each model (one per
 * `quantize` type, else `latest`), or the named ones (`name`: its variants,
 * `name:tag`: that tag).
 * The report goes to stdout, or to `-o file` (then the summary line goes to
 * stderr); `--json` is `--reporter json`; `--reporter html` (a self-contained page, reporters/html.ts) needs `-o`. Exit 0 when every case passes, 1 when
 * one fails, 2 for bad test files or an unknown model, 3 when a model cannot
 * load or a generation fails.
 *
 * `--compare [model..]` compares each model's quantized variants instead (every
 * model with `quantize` types when none is named): one row per variant with its
 * size, the pass rate of the model's prompt tests on it, decode tokens per
 * second, and mean KL divergence and top-1 agreement against the unquantized
 * base over the model's `compare.text` (src/eval/compare). `--json` prints the
 * same rows as one document. A report, not a check: exit 0 even when cases
 * fail (their pass rate shows it); 2 for bad input or an unbuilt model, 3 when
 * a model cannot load.
 */
export function testCommand(ctx: CliContext): CommandModule<object, TestArgs> {
  return {
    command: "test [models..]",
    describe: "Run the prompt tests of built models",
    builder: (y) =>
      y
        .positional("models", { type: "string", array: true, describe: "Models to test, `name` or `name:tag` (default: every model with tests)" })
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)" })
        .option("reporter", { alias: "r", choices: ["console", "json", "junit", "html"] as const, default: "console" as Reporter, describe: "Report format" })
        .option("output", { alias: "o", type: "string", describe: "Write the report to this file instead of stdout" })
        .option("grep", { alias: "g", type: "string", describe: "Only cases whose name (or file#n id) matches this regular expression" })
        .option("cache", { type: "boolean", default: true, describe: "Reuse cached outputs of an unchanged model (--no-cache generates again)" })
        .option("parallel", { type: "number", default: 4, describe: "Generations in flight per model" })
        .option("compare", { type: "boolean", default: false, describe: "Compare each model's quantized variants: size, pass rate, tokens/s, KL divergence and top-1 agreement against the base" }),
    handler: async (args) => {
      if (args.reporter === "html" && args.output === undefined) {
        throw new InputError(error("MS6204", "--reporter html writes a page: give it a file with -o", { hint: "modelsmith test --reporter html -o report.html" }));
      }
      const grep = args.grep === undefined ? undefined : compileGrep(args.grep);
      const loaded = await loadProject(args.dir ?? ".");
      ctx.sources.set(loaded.file, loaded.text);
      if (!loaded.project) throw new InputError(loaded.diagnostics);
      const display = (abs: string) => path.relative(process.cwd(), abs) || abs;
      if (args.compare) return compare(ctx, loaded.project, args, display);
      const results = await runProjectTests(loaded.project, {
        models: args.models ?? [],
        storeRoot: resolveStoreRoot(ctx.env, homedir(), process.cwd()),
        open: openModelLazily,
        openEmbedder: openEmbedderLazily,
        describe: describeModelLazily,
        ...(grep ? { grep } : {}),
        noCache: args.cache === false,
        parallel: Math.max(1, Math.floor(args.parallel ?? 4)),
        display,
        sources: ctx.sources,
        onModel: (name, n) => ctx.err(`testing ${name}: ${n} case${n === 1 ? "" : "s"}`),
      });
      const reporter: Reporter = args.json ? "json" : (args.reporter ?? "console");
      const report = reporter === "json" ? jsonReport(results) : reporter === "junit" ? junitReport(results) : reporter === "html" ? htmlReport(results) : consoleReport(results);
      if (results.length === 0) ctx.err(grep ? `no test case matches --grep ${args.grep}` : "no tests to run: list test files under a model's `tests:` in modelsmith.yaml");
      if (args.output !== undefined) {
        await writeReport(args.output, report);
        ctx.err(`${summaryLine(summarize(results))}; report written to ${args.output}`);
      } else {
        ctx.stdout.write(report);
      }
      ctx.exitCode = exitCodeOf(results);
    },
  };
}

/** `test --compare`: the report on stdout (or `-o file`), progress on stderr. */
async function compare(ctx: CliContext, project: Project, args: TestArgs, display: (abs: string) => string): Promise<void> {
  const models = await compareModels(project, {
    models: args.models ?? [],
    storeRoot: resolveStoreRoot(ctx.env, homedir(), process.cwd()),
    open: async (root, name, o) => (await import("../../runtime/open-model.js")).openModel(root, name, o),
    openScorer: async (file, o) => (await import("../../runtime/token-scorer.js")).openTokenScorer(file, o),
    openEmbedder: openEmbedderLazily,
    noCache: args.cache === false,
    parallel: Math.max(1, Math.floor(args.parallel ?? 4)),
    display,
    sources: ctx.sources,
    onProgress: (line) => ctx.err(line),
  });
  const report = args.json || args.reporter === "json" ? compareJson(models) : args.reporter === "html" ? compareHtml(models) : compareReport(models);
  if (args.output !== undefined) {
    await writeReport(args.output, report);
    ctx.err(`comparison written to ${args.output}`);
  } else {
    ctx.stdout.write(report);
  }
  ctx.exitCode = 0;
}

function compileGrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new InputError(error("MS6016", `invalid --grep pattern: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}`, { hint: "it is a JavaScript regular expression matched against each case's name" }));
  }
}

async function writeReport(file: string, report: string): Promise<void> {
  try {
    await writeFile(file, report);
  } catch (e) {
    throw new EnvironmentError(error("MS9003", `cannot write the report to ${file}: ${(e as Error).message}`));
  }
}
