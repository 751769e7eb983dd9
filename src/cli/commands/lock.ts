import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { resolveStoreRoot } from "../../store/store-root.js";
import type { CliContext } from "../context.js";
import { loadBuildEngine } from "./build.js";

export interface LockArgs {
  dir?: string;
  check?: boolean;
  offline?: boolean;
  json?: boolean;
}

/**
 * `modelsmith lock [--check] [-C dir]`: resolves every reference and writes
 * models.lock; `--check` writes nothing and exits 1 naming what drifted.
 */
export function lockCommand(ctx: CliContext): CommandModule<object, LockArgs> {
  return {
    command: "lock",
    describe: "Resolve references and write models.lock without building",
    builder: (y) =>
      y
        .option("dir", { alias: "C", type: "string", default: ".", describe: "Project directory" })
        .option("check", { type: "boolean", describe: "Only check that models.lock is up to date (exit 1 if not)" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" }),
    handler: async (args) => {
      const { lockProject, lineProgress, ttyProgress } = await loadBuildEngine();
      const r = await lockProject({
        dir: args.dir ?? ".",
        check: Boolean(args.check),
        offline: Boolean(args.offline),
        storeRoot: resolveStoreRoot(ctx.env, homedir(), process.cwd()),
        home: homedir(),
        display: (abs) => path.relative(process.cwd(), abs) || abs,
        sources: ctx.sources,
        progress: ctx.stderr.isTTY && !ctx.env.CI ? ttyProgress(ctx.stderr as NodeJS.WriteStream) : lineProgress((line) => ctx.err(line)),
      });
      ctx.report(r.warnings);
      if (args.json) ctx.json({ ok: true, lockFile: r.lockFile, lockWritten: r.lockWritten, built: r.built });
      else ctx.err(args.check ? `${r.lockFile} is up to date` : `${r.lockFile} ${r.lockWritten ? "written" : "unchanged"}`);
    },
  };
}
