import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { buildProject } from "../../build/build.js";
import { lineProgress } from "../../build/progress.js";
import { ttyProgress } from "../../build/tty-progress.js";
import { resolveStoreRoot } from "../../store/store-root.js";
import type { CliContext } from "../context.js";

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
      const started = Date.now();
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
        progress: ctx.stderr.isTTY && !ctx.env.CI ? ttyProgress(ctx.stderr as NodeJS.WriteStream) : lineProgress((line) => ctx.err(line)),
      });
      ctx.report(r.warnings);
      if (args.json) {
        ctx.json({ ok: true, store, lockFile: r.lockFile, lockWritten: r.lockWritten, stepsRun: r.ran.length, models: r.variants });
        return;
      }
      for (const v of r.variants) ctx.err(`built ${v.model}:${v.tag} ${v.manifest}`);
      const models = new Set(r.variants.map((v) => v.model)).size;
      ctx.err(`built ${models} model${models === 1 ? "" : "s"} (${r.variants.length} tags, ${r.ran.length} steps run) in ${((Date.now() - started) / 1000).toFixed(1)}s; ${r.lockFile} ${r.lockWritten ? "written" : "unchanged"}`);
    },
  };
}
