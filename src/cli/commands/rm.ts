import type { CommandModule } from "yargs";
import { humanBytes, openStore, removeModels } from "../../inspect/index.js";
import { displayShortest } from "../../store/index.js";
import type { CliContext } from "../context.js";

export interface RmArgs {
  models: string[];
  json?: boolean;
}

/**
 * `modelsmith rm <model..>`: removes the models' manifests, then the blobs no
 * other model uses (as `ollama rm` does), and prints what it freed. An unknown
 * name removes nothing (exit 2, with a did-you-mean).
 */
export function rmCommand(ctx: CliContext): CommandModule<object, RmArgs> {
  return {
    command: "rm <models..>",
    aliases: ["remove"],
    describe: "Remove models, and the blobs no other model uses",
    builder: (y) => y.positional("models", { type: "string", array: true, demandOption: true, describe: "Models to remove" }),
    handler: async (args) => {
      const r = await removeModels(openStore(ctx.env), args.models);
      ctx.report(r.warnings);
      if (args.json) {
        ctx.json({ removed: r.removed.map((m) => ({ name: displayShortest(m.name), digest: m.digest })), freed: r.freed, freedBytes: r.freedBytes });
        return;
      }
      for (const m of r.removed) ctx.out(`deleted '${displayShortest(m.name)}'`);
      ctx.out(`freed ${humanBytes(r.freedBytes)} (${r.freed.length} blob${r.freed.length === 1 ? "" : "s"})`);
    },
  };
}
