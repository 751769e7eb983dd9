import type { CommandModule } from "yargs";
import { openStore } from "../../inspect/index.js";
import { displayShortest } from "../../store/index.js";
import type { CliContext } from "../context.js";

export interface CpArgs {
  source: string;
  destination: string;
  json?: boolean;
}

/**
 * `modelsmith cp <source> <destination>`: the source's manifest, byte for
 * byte, under a new name (an existing one is replaced). No blob is written:
 * both names share every blob and have the same digest, so a copy costs
 * nothing on disk (`du` shows it).
 */
export function cpCommand(ctx: CliContext): CommandModule<object, CpArgs> {
  return {
    command: "cp <source> <destination>",
    aliases: ["copy"],
    describe: "Copy a model under another name (shares every blob)",
    builder: (y) =>
      y
        .positional("source", { type: "string", demandOption: true, describe: "Model to copy" })
        .positional("destination", { type: "string", demandOption: true, describe: "New name" }),
    handler: async (args) => {
      const store = openStore(ctx.env);
      const source = await store.readManifest(args.source);
      const written = await store.copyManifest(source.name, args.destination);
      const from = displayShortest(source.name);
      const to = displayShortest(written.name);
      if (args.json) ctx.json({ source: from, destination: to, digest: written.digest });
      else ctx.out(`copied '${from}' to '${to}'`);
    },
  };
}
