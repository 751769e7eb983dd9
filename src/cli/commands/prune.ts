import type { CommandModule } from "yargs";
import { humanBytes, openStore, parseDuration } from "../../inspect/index.js";
import type { CliContext } from "../context.js";

export interface PruneArgs {
  grace: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `modelsmith prune [--grace 1h] [--dry-run]`: deletes the blobs no manifest
 * refers to and abandoned temp files. Unused blobs younger than `--grace` are
 * kept (default 1h, Ollama's own prune window), and so is every blob and temp
 * file of a build that is still running, whatever `--grace` says (store
 * writer leases); temp files of dead processes go at once, resumable
 * downloads after `--grace`. Refuses (exit 3, MS5110) while a manifest
 * cannot be read.
 */
export function pruneCommand(ctx: CliContext): CommandModule<object, PruneArgs> {
  return {
    command: "prune",
    describe: "Delete blobs no model uses, and abandoned temp files",
    builder: (y) =>
      y
        .option("grace", { type: "string", default: "1h", describe: "Keep what is younger than this (0, 90s, 30m, 1h, 2d)" })
        .option("dry-run", { type: "boolean", describe: "Only print what would be deleted" }),
    handler: async (args) => {
      const graceMs = parseDuration(args.grace, "--grace");
      const r = await openStore(ctx.env).gc({ graceMs, tempMaxAgeMs: graceMs, dryRun: Boolean(args.dryRun) });
      if (args.json) {
        ctx.json({ dryRun: Boolean(args.dryRun), removedBlobs: r.removedBlobs, removedTemp: r.removedTemp, keptYoung: r.keptYoung, freedBytes: r.freedBytes });
        return;
      }
      const verb = args.dryRun ? "would delete" : "deleted";
      for (const b of r.removedBlobs) ctx.out(`${verb} ${b.digest} (${humanBytes(b.size)})`);
      for (const t of r.removedTemp) ctx.out(`${verb} temp file ${t.path} (${humanBytes(t.size)})`);
      const blobs = `${r.removedBlobs.length} blob${r.removedBlobs.length === 1 ? "" : "s"}`;
      const temps = `${r.removedTemp.length} temp file${r.removedTemp.length === 1 ? "" : "s"}`;
      ctx.out(`${args.dryRun ? "would free" : "freed"} ${humanBytes(r.freedBytes)} (${blobs}, ${temps})`);
      if (r.keptYoung.length > 0) ctx.err(`kept ${r.keptYoung.length} unused blob(s) younger than ${args.grace}; \`--grace 0\` deletes them too`);
    },
  };
}
