import type { CommandModule } from "yargs";
import { loadBuildEngine } from "../../build/engine.js";
import { buildOptions, type BuildArgs } from "../build-options.js";
import type { CliContext } from "../context.js";
import { tryRunHint } from "../next-steps.js";

/**
 * `modelsmith build [model..] [-C dir] [--frozen] [--offline] [-j N] [--json] [--cache-from oci://…] [--cache-to oci://…]`:
 * resolves every base model, builds each variant into the store
 * ($MODELSMITH_HOME) and writes models.lock when it changed. The project is
 * the nearest `modelsmith.yaml` at or above `-C` (default: here). Progress
 * lines go to stderr; `--json` prints one document (models, tags, manifest
 * digests). Then, unless `--no-test`, runs the prompt tests of the models it
 * built (each variant: every `quantize` type), as `modelsmith test` does:
 * exit 1 when a case fails. The orchestration is src/build/build-and-test.ts.
 */
export function buildCommand(ctx: CliContext): CommandModule<object, BuildArgs> {
  return {
    command: "build [models..]",
    describe: "Resolve, lock, fetch, quantize and assemble the project's models, then run their tests",
    builder: (y) =>
      y
        .positional("models", { type: "string", array: true, describe: "Models to build (default: all)" })
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)" })
        .option("frozen", { type: "boolean", describe: "Fail when models.lock is missing or stale; never write it" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" })
        .option("test", { type: "boolean", default: true, describe: "Run the models' tests after building (--no-test skips them)" })
        .option("jobs", { alias: "j", type: "number", default: 1, describe: "Build steps to run at once" })
        .option("cache-from", { type: "string", describe: "Remote build cache to fetch step results from: oci://host/repository (also MODELSMITH_CACHE_FROM, cache.from)" })
        .option("cache-to", { type: "string", describe: "Remote build cache to store step results in: oci://host/repository (also MODELSMITH_CACHE_TO, cache.to)" }),
    handler: async (args) => {
      const { buildAndTest, buildDisplay } = await loadBuildEngine();
      const o = buildOptions(ctx, args, buildDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line)));
      const { report, tests } = await buildAndTest(o);
      // Not eval/index.js: it loads the whole test runner (nunjucks, csv-parse, the reporters), a fifth of a second a build without tests does not need.
      const [{ exitCodeOf }, { summarize }] = await Promise.all([import("../../eval/exit-code.js"), import("../../eval/reporters/summary.js")]);
      const code = exitCodeOf(tests);
      if (args.json) ctx.json({ ok: code === 0, store: o.storeRoot, lockFile: report.lockFile, lockWritten: report.lockWritten, stepsRun: report.ran.length, steps: report.steps, models: report.variants, tests: summarize(tests) });
      if (!args.json && code === 0 && report.variants.length > 0) ctx.err(tryRunHint(report.variants[0]!.model));
      ctx.exitCode = code;
    },
  };
}
