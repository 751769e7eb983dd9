import type { CommandModule } from "yargs";
import { error, InputError } from "../../diagnostics/index.js";
import { defaultOllamaModelsDir, exportToGguf, exportToOllama } from "../../export/index.js";
import { humanBytes, openStore } from "../../inspect/index.js";
import { plural } from "../../inspect/human.js";
import type { CliContext } from "../context.js";

export interface ExportArgs {
  model: string;
  ollama?: string;
  gguf?: string;
  json?: boolean;
}

/**
 * `modelsmith export <model> --ollama [dir] | --gguf <file>`:
 * `--ollama` writes the model into an Ollama models directory (default
 * `$OLLAMA_MODELS`, else `~/.ollama/models`), blobs hardlinked where possible,
 * manifest byte for byte; `--gguf` writes one GGUF file with the model's
 * TEMPLATE, SYSTEM, PARAMETERs … in its metadata (`modelsmith.*` keys), loadable
 * by llama.cpp. Exactly one of the two (MS5322).
 */
export function exportCommand(ctx: CliContext): CommandModule<object, ExportArgs> {
  return {
    command: "export <model>",
    describe: "Hand a model to Ollama (--ollama [dir]) or to llama.cpp as one GGUF (--gguf <file>)",
    builder: (y) =>
      y
        .positional("model", { type: "string", demandOption: true, describe: "Model to export" })
        .option("ollama", { type: "string", describe: "Ollama models directory (default $OLLAMA_MODELS or ~/.ollama/models)" })
        .option("gguf", { type: "string", describe: "GGUF file to write" }),
    handler: async (args) => {
      if ((args.ollama === undefined) === (args.gguf === undefined)) {
        throw new InputError(error("MS5322", args.ollama === undefined ? "export needs a destination" : "export takes one destination, not both --ollama and --gguf", { hint: "pass --ollama [dir] or --gguf <file>" }));
      }
      const store = openStore(ctx.env);
      if (args.gguf !== undefined) {
        if (args.gguf === "") throw new InputError(error("MS5322", "--gguf needs a file name", { hint: "e.g. --gguf ./model.gguf" }));
        const r = await exportToGguf(store, args.model, args.gguf);
        if (args.json) ctx.json({ format: "gguf", ...r });
        else ctx.out(`wrote ${r.file} (${humanBytes(r.size)})`);
        return;
      }
      const dir = args.ollama ? args.ollama : defaultOllamaModelsDir(ctx.env);
      const r = await exportToOllama(store, args.model, dir);
      if (args.json) {
        ctx.json({ format: "ollama", ...r });
        return;
      }
      const methods = new Map<string, number>();
      for (const b of r.blobs) methods.set(b.method, (methods.get(b.method) ?? 0) + 1);
      const how = [...methods].map(([m, n]) => `${n} ${m === "existing" ? "already there" : m === "copy" ? "copied" : `${m}ed`}`).join(", ");
      ctx.out(`exported ${r.name} to ${r.dir} (${plural(r.blobs.length, "blob")}: ${how})`);
    },
  };
}
