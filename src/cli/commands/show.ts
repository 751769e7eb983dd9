import type { CommandModule } from "yargs";
import { loadModelDetails, openStore, reconstructModelfile, renderParameters, renderShow, showJson } from "../../inspect/index.js";
import type { CliContext } from "../context.js";
import { withBuildHint } from "../next-steps.js";

export interface ShowArgs {
  model: string;
  modelfile?: boolean;
  parameters?: boolean;
  template?: boolean;
  system?: boolean;
  license?: boolean;
  json?: boolean;
}

const ONLY = ["modelfile", "parameters", "template", "system", "license"] as const;

/**
 * `modelsmith show <model> [--modelfile|--parameters|--template|--system|--license|--json]`,
 * like `ollama show`: without a flag, the model's facts (architecture,
 * parameters, context and embedding length, quantization), parameters, system
 * prompt, license, messages and layers; with one, only that part, as it is
 * stored (`--modelfile`: a Modelfile that rebuilds the model). `--json`: all of
 * it as one document. Unknown model: exit 2 with a did-you-mean.
 */
export function showCommand(ctx: CliContext): CommandModule<object, ShowArgs> {
  return {
    command: "show <model>",
    describe: "Show a model's details, Modelfile, parameters, template, system prompt or license",
    builder: (y) => {
      let b = y
        .positional("model", { type: "string", demandOption: true, describe: "Model name, e.g. code-assistant or code-assistant:q4_k_m" })
        .option("modelfile", { type: "boolean", describe: "Print a Modelfile that rebuilds the model" })
        .option("parameters", { type: "boolean", describe: "Print the parameters" })
        .option("template", { type: "boolean", describe: "Print the template" })
        .option("system", { type: "boolean", describe: "Print the system prompt" })
        .option("license", { type: "boolean", describe: "Print the license" });
      for (const a of ONLY) b = b.conflicts(a, ONLY.filter((o) => o !== a));
      return b;
    },
    handler: async (args) => {
      const store = openStore(ctx.env);
      const d = await withBuildHint(args.model, ".", () => loadModelDetails(store, args.model));
      const blobPath = (digest: string) => store.blobPath(digest);
      if (args.json) return ctx.json(showJson(d, blobPath));
      if (args.modelfile) return void ctx.stdout.write(reconstructModelfile(d, blobPath));
      if (args.parameters) return void ctx.stdout.write(renderParameters(d.parameters));
      if (args.template) return printText(ctx, d.template);
      if (args.system) return printText(ctx, d.system);
      if (args.license) return printText(ctx, d.licenses.length > 0 ? d.licenses.join("\n") : undefined);
      ctx.stdout.write(renderShow(d));
    },
  };
}

/** Prints a stored text as it is, with a final newline; nothing when the model has none. */
function printText(ctx: CliContext, text: string | undefined): void {
  if (text !== undefined && text !== "") ctx.out(text);
}
