import type { CommandModule } from "yargs";
import { listModels, openStore, renderList } from "../../inspect/index.js";
import type { CliContext } from "../context.js";
import { emptyStoreHint } from "../next-steps.js";

export interface LsArgs {
  json?: boolean;
}

/**
 * `modelsmith ls [--json]`: the models in the store, like `ollama list`:
 * NAME, ID (first 12 hex digits of the manifest digest), SIZE (what the
 * manifest declares, config included), MODIFIED; sorted by name. Unreadable
 * manifests are reported as warnings on stderr and skipped. An empty list
 * gets a hint on stderr: how to build or get a first model.
 */
export function lsCommand(ctx: CliContext): CommandModule<object, LsArgs> {
  return {
    command: "ls",
    aliases: ["list"],
    describe: "List the models in the store",
    handler: async (args) => {
      const { models, problems } = await listModels(openStore(ctx.env));
      ctx.report(problems.map((d) => ({ ...d, severity: "warning" as const })));
      if (args.json) ctx.json({ models });
      else {
        ctx.stdout.write(renderList(models, Date.now()));
        if (models.length === 0) ctx.err(`hint: ${await emptyStoreHint(".")}`);
      }
    },
  };
}
