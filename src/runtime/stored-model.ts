import { EnvironmentError, error } from "../diagnostics/index.js";
import { displayShortest, FORMAT_MEDIA_TYPE, LAYER_MEDIA_TYPES, type Store } from "../store/index.js";
import type { ChatMessage } from "./types.js";

/** A built model as the runtime needs it: its files and the values of its small layers. */
export interface StoredModel {
  /** Ollama's shortest display form, e.g. "code-assistant:latest". */
  name: string;
  manifestDigest: string;
  /** The GGUF weights (the model layer's blob). */
  modelPath: string;
  /** LoRA adapter GGUFs, in layer order. */
  adapterPaths: string[];
  template?: string;
  system?: string;
  messages: ChatMessage[];
  /** The params layer as JSON (typed later, against the parameters table). */
  params: Record<string, unknown>;
  format?: "json" | object;
}

const ROLES = new Set(["system", "user", "assistant"]);

/**
 * Reads `name`'s manifest and small layers from the store. Of TEMPLATE, SYSTEM,
 * params, messages and FORMAT the last layer of each kind counts (as in
 * Ollama); every ADAPTER counts, in order. Throws InputError MS5102 (with a
 * did-you-mean) for an unknown model, EnvironmentError MS8008 for a manifest
 * without a model layer or a layer that does not parse.
 */
export async function readStoredModel(store: Store, name: string): Promise<StoredModel> {
  const stored = await store.readManifest(name);
  const display = displayShortest(stored.name);
  const corrupt = (why: string) => new EnvironmentError(error("MS8008", `model ${display}: ${why}`, { hint: "rebuild it with `modelsmith build`" }));
  const text = async (digest: string) => (await store.readBlob(digest)).toString("utf8");
  const json = async (digest: string, what: string): Promise<unknown> => {
    const body = await text(digest);
    try {
      return JSON.parse(body);
    } catch (err) {
      throw corrupt(`the ${what} layer is not valid JSON (${(err as Error).message})`);
    }
  };
  const model: StoredModel = { name: display, manifestDigest: stored.digest, modelPath: "", adapterPaths: [], messages: [], params: {} };
  for (const layer of stored.manifest.layers) {
    switch (layer.mediaType) {
      case LAYER_MEDIA_TYPES.model:
        model.modelPath = store.blobPath(layer.digest);
        break;
      case LAYER_MEDIA_TYPES.adapter:
        model.adapterPaths.push(store.blobPath(layer.digest));
        break;
      case LAYER_MEDIA_TYPES.template:
        model.template = await text(layer.digest);
        break;
      case LAYER_MEDIA_TYPES.system:
        model.system = await text(layer.digest);
        break;
      case LAYER_MEDIA_TYPES.params: {
        const params = await json(layer.digest, "params");
        if (typeof params !== "object" || params === null || Array.isArray(params)) throw corrupt("the params layer is not a JSON object");
        model.params = params as Record<string, unknown>;
        break;
      }
      case LAYER_MEDIA_TYPES.messages: {
        const messages = await json(layer.digest, "messages");
        if (!Array.isArray(messages) || !messages.every(isMessage)) throw corrupt("the messages layer is not a list of {role, content} with roles system, user, assistant");
        model.messages = messages.map((m) => ({ role: m.role, content: m.content }));
        break;
      }
      case FORMAT_MEDIA_TYPE: {
        const body = await text(layer.digest);
        model.format = body.trim() === "json" ? "json" : ((await json(layer.digest, "FORMAT")) as object);
        break;
      }
    }
  }
  if (model.modelPath === "") throw corrupt("the manifest has no model layer");
  return model;
}

function isMessage(m: unknown): m is ChatMessage {
  const o = m as Record<string, unknown> | null;
  return typeof o === "object" && o !== null && typeof o.role === "string" && ROLES.has(o.role) && typeof o.content === "string";
}
