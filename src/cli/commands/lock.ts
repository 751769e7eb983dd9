import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { resolveStoreRoot } from "../../store/store-root.js";
import type { CliContext } from "../context.js";
import { loadBuildEngine } from "../../build/engine.js";

export interface LockArgs {
  dir?: string;
  check?: boolean;
  update?: string[];
  offline?: boolean;
  json?: boolean;
}

/**
 * `modelsmith lock [--update [ref..]] [--check] [-C dir]`: pins every
 * reference and writes models.lock; `--check` writes nothing and exits 1
 * naming what drifted. Network references the lock already pins keep their
 * pins (so do `build` and `build --frozen`); `--update` resolves them afresh:
 * the named ones (as a Modelfile writes them, or aliases), or all.
 * `lock --check --update` tells whether a tag or branch moved upstream.
 */
export function lockCommand(ctx: CliContext): CommandModule<object, LockArgs> {
  return {
    command: "lock",
    describe: "Resolve references and write models.lock without building",
    builder: (y) =>
      y
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory (default: the nearest one with modelsmith.yaml, here or above)" })
        .option("check", { type: "boolean", describe: "Only check that models.lock is up to date (exit 1 if not)" })
        .option("update", { type: "string", array: true, describe: "Resolve these network references afresh (all when none is named) instead of keeping their locked pins" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" }),
    handler: async (args) => {
      const { lockProject, buildDisplay } = await loadBuildEngine();
      const display = buildDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line));
      const r = await lockProject({
        dir: args.dir ?? ".",
        check: Boolean(args.check),
        ...(args.update === undefined ? {} : { update: args.update.length === 0 ? (true as const) : args.update }),
        offline: Boolean(args.offline),
        storeRoot: resolveStoreRoot(ctx.env, homedir(), process.cwd()),
        home: homedir(),
        display: (abs) => path.relative(process.cwd(), abs) || abs,
        sources: ctx.sources,
        progress: display.progress,
        activity: display.activity,
      });
      ctx.report(r.warnings);
      if (args.json) ctx.json({ ok: true, lockFile: r.lockFile, lockWritten: r.lockWritten, built: r.built });
      else ctx.err(args.check ? `${r.lockFile} is up to date` : `${r.lockFile} ${r.lockWritten ? "written" : "unchanged"}`);
    },
  };
}
