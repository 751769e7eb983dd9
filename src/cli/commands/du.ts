import type { CommandModule } from "yargs";
import { duJson, openStore, renderDu } from "../../inspect/index.js";
import type { CliContext } from "../context.js";

export interface DuArgs {
  json?: boolean;
}

/**
 * `modelsmith du [--json]`: disk usage per model (all its blobs, those only it
 * uses, those it shares) and the store's total, from the blob files
 * themselves, each blob counted once in the total.
 */
export function duCommand(ctx: CliContext): CommandModule<object, DuArgs> {
  return {
    command: "du",
    describe: "Show disk usage per model and of the whole store",
    handler: async (args) => {
      const usage = await openStore(ctx.env).du();
      ctx.report(usage.problems.map((d) => ({ ...d, severity: "warning" as const })));
      if (args.json) ctx.json(duJson(usage));
      else ctx.stdout.write(renderDu(usage));
    },
  };
}
