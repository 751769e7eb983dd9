import { displayShortest, Store } from "../store/index.js";
import { backendName, sharedLlama, type GpuChoice } from "./llama.js";

/** What identifies a model's outputs without loading its weights: the eval cache key's parts. */
export interface ModelIdentity {
  /** As `openModel` names it, e.g. "code-assistant:latest". */
  name: string;
  manifestDigest: string;
  /** As `openModel` reports it, e.g. "llama.cpp/cpu". */
  backend: string;
}

/**
 * The name, manifest digest and backend `openModel(storeRoot, name, {gpu})`
 * would report, from the manifest and the llama.cpp binding alone: no weights
 * are read, so a caller can find every answer in a cache before paying for a
 * model load.
 */
export async function describeModel(storeRoot: string, name: string, gpu: GpuChoice = "auto"): Promise<ModelIdentity> {
  const stored = await new Store(storeRoot, { statCache: false }).readManifest(name);
  return { name: displayShortest(stored.name), manifestDigest: stored.digest, backend: backendName(await sharedLlama(gpu)) };
}
