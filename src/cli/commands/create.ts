import { homedir } from "node:os";
import path from "node:path";
import type { CommandModule } from "yargs";
import { loadBuildEngine } from "../../build/engine.js";
import { resolveStoreRoot } from "../../store/store-root.js";
import { buildOutput } from "../build-options.js";
import type { CliContext } from "../context.js";

export interface CreateArgs {
  name: string;
  file?: string;
  quantize?: string;
  offline?: boolean;
  json?: boolean;
}

/**
 * `modelsmith create NAME [-f Modelfile] [-q TYPE] [--offline] [--json]`,
 * Ollama's `create` (its flags: `-f/--file`, default `Modelfile` in the
 * working directory; `-q/--quantize`): builds one Modelfile into the store
 * under NAME with no project file, through the same build path as `build`,
 * so the same Modelfile gives the same manifest digest. No models.lock is
 * written and no prompt tests run (there is no project to list them; see
 * docs/decisions.md). Paths in the Modelfile are relative to it. `FROM name`
 * is a stored model (one created, built or pulled before), else the Ollama
 * library, as in Ollama. Progress on stderr; `--json` prints the name and the
 * manifest digest.
 */
export function createCommand(ctx: CliContext): CommandModule<object, CreateArgs> {
  return {
    command: "create <name>",
    describe: "Build one Modelfile into the store under a name, without a project file (Ollama's create)",
    builder: (y) =>
      y
        .positional("name", { type: "string", demandOption: true, describe: "Model name, [host/][namespace/]model[:tag]" })
        .option("file", { alias: "f", type: "string", describe: 'Name of the Modelfile (default "Modelfile")' })
        .option("quantize", { alias: "q", type: "string", describe: "Quantize the model to this type (e.g. q4_K_M)" })
        .option("offline", { type: "boolean", describe: "Refuse sources that need the network" })
        .example("$0 create sophia -f ./Modelfile", "build ./Modelfile as sophia:latest")
        .example("$0 create sophia:q4 -q q4_K_M", "the same, quantized"),
    handler: async (args) => {
      const { createModel, buildDisplay } = await loadBuildEngine();
      const storeRoot = resolveStoreRoot(ctx.env, homedir(), process.cwd());
      const r = await createModel({
        name: args.name,
        modelfile: args.file ?? "Modelfile",
        ...(args.quantize !== undefined ? { quantize: args.quantize } : {}),
        offline: Boolean(args.offline),
        storeRoot,
        home: homedir(),
        display: (abs) => path.relative(process.cwd(), abs) || abs,
        sources: ctx.sources,
        ...buildDisplay(ctx.stderr, ctx.env, (line) => ctx.err(line)),
        json: Boolean(args.json),
        out: buildOutput(ctx),
      });
      if (args.json) ctx.json({ ok: true, store: storeRoot, name: r.name, manifest: r.manifest, stepsRun: r.report.ran.length });
    },
  };
}
