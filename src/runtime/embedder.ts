import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import { EnvironmentError, error } from "../diagnostics/index.js";
import { Store } from "../store/index.js";
import { sharedLlama, type GpuChoice } from "./llama.js";
import { readStoredModel } from "./stored-model.js";

/** A built model loaded for embeddings (node-llama-cpp's embedding context), for `similar` and answer-relevance. */
export interface Embedder {
  readonly name: string;
  /** The embedding of `text` (its tokens, no template): llama.cpp's pooled output, or the last token's when the model does not pool. */
  embed(text: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Tokens an embedding context holds: texts longer than this are cut to their first tokens. */
const CONTEXT = 512;

/**
 * Loads a built model by store name for embeddings: its GGUF (and no
 * template, parameters or adapters: an embedding reads the text itself).
 * InputError MS5102 for an unknown model, EnvironmentError MS8004 when
 * llama.cpp cannot load it.
 */
export async function openEmbedder(storeRoot: string, name: string, options: { gpu?: GpuChoice; threads?: number } = {}): Promise<Embedder> {
  const stored = await readStoredModel(new Store(storeRoot, { statCache: false }), name);
  const llama = await sharedLlama(options.gpu ?? "auto");
  const cannotLoad = (what: string, err: unknown) => new EnvironmentError(error("MS8004", `model ${stored.name}: llama.cpp cannot load ${what} for embeddings: ${(err as Error).message}`), { cause: err });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: stored.modelPath, gpuLayers: llama.gpu === false ? 0 : "auto" });
  } catch (err) {
    throw cannotLoad("its GGUF", err);
  }
  const size = Math.min(CONTEXT, model.trainContextSize > 0 ? model.trainContextSize : CONTEXT);
  let context: LlamaEmbeddingContext;
  try {
    context = await model.createEmbeddingContext({ contextSize: size, batchSize: size, threads: options.threads ?? Math.max(1, Math.min(4, llama.cpuMathCores)) });
  } catch (err) {
    await model.dispose();
    throw cannotLoad("an embedding context", err);
  }
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: stored.name,
    embed(text: string): Promise<number[]> {
      // One context, one evaluation at a time.
      const run = queue.then(async () => {
        const tokens = model.tokenize(text, false).slice(0, size - 1);
        return [...(await context.getEmbeddingFor(tokens)).vector];
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await context.dispose();
      await model.dispose();
    },
  };
}
