import { readGgufFile } from "../gguf/index.js";
import {
  CONFIG_MEDIA_TYPE,
  FORMAT_MEDIA_TYPE,
  LAYER_MEDIA_TYPES,
  decodeMessages,
  decodeParams,
  parseModelConfig,
  type ChatMessage,
  type Layer,
  type ModelConfig,
  type NameInput,
  type ParamValue,
  type Store,
  type StoredManifest,
} from "../store/index.js";
import { summarizeGguf, type GgufSummary } from "./gguf-summary.js";

export { FORMAT_MEDIA_TYPE };

/** A stored model with every layer read and decoded: what `show` and `export` work from. */
export interface ModelDetails {
  stored: StoredManifest;
  /** Sum of the sizes the manifest declares (config and layers), what `ollama list` shows as SIZE. */
  size: number;
  config?: ModelConfig;
  /** The GGUF weights; undefined only in a manifest modelsmith did not write. */
  modelLayer?: Layer;
  adapters: Layer[];
  projectors: Layer[];
  template?: string;
  system?: string;
  /** PARAMETERs in the layer's order (Ollama's: keys sorted). */
  parameters: Record<string, ParamValue>;
  messages: ChatMessage[];
  licenses: string[];
  format?: { kind: "json"; layer: Layer } | { kind: "schema"; layer: Layer };
  /** From the model layer's GGUF header; undefined without a model layer. */
  gguf?: GgufSummary;
  /** The GGUF's `tokenizer.chat_template` (Jinja), used when there is no TEMPLATE. */
  chatTemplate?: string;
}

/**
 * Reads the manifest of `name` and every small layer it lists (template,
 * system, params, messages, licenses, format, config) and the header of its
 * model GGUF. Unknown model: InputError MS5102 with a did-you-mean (from the
 * store). When a layer of one kind repeats where Ollama keeps one (template,
 * system, params, messages), the last wins, as in Ollama's GetModel.
 */
export async function loadModelDetails(store: Store, name: NameInput): Promise<ModelDetails> {
  const stored = await store.readManifest(name);
  const m = stored.manifest;
  const text = async (l: Layer) => (await store.readBlob(l.digest)).toString("utf8");
  const details: ModelDetails = {
    stored,
    size: [m.config, ...m.layers].reduce((n, l) => n + l.size, 0),
    adapters: [],
    projectors: [],
    parameters: {},
    messages: [],
    licenses: [],
  };
  if (m.config.mediaType === CONFIG_MEDIA_TYPE) details.config = parseModelConfig(await text(m.config));
  for (const layer of m.layers) {
    switch (layer.mediaType) {
      case LAYER_MEDIA_TYPES.model:
        details.modelLayer = layer;
        break;
      case LAYER_MEDIA_TYPES.adapter:
        details.adapters.push(layer);
        break;
      case LAYER_MEDIA_TYPES.projector:
        details.projectors.push(layer);
        break;
      case LAYER_MEDIA_TYPES.template:
        details.template = await text(layer);
        break;
      case LAYER_MEDIA_TYPES.system:
        details.system = await text(layer);
        break;
      case LAYER_MEDIA_TYPES.params:
        details.parameters = decodeParams(await store.readBlob(layer.digest));
        break;
      case LAYER_MEDIA_TYPES.messages:
        details.messages = decodeMessages(await store.readBlob(layer.digest));
        break;
      case LAYER_MEDIA_TYPES.license:
        details.licenses.push(await text(layer));
        break;
      case FORMAT_MEDIA_TYPE:
        details.format = (await text(layer)) === "json" ? { kind: "json", layer } : { kind: "schema", layer };
        break;
    }
  }
  if (details.modelLayer) {
    const gguf = await readGgufFile(store.blobPath(details.modelLayer.digest));
    details.gguf = summarizeGguf(gguf);
    const chat = gguf.metadata.get("tokenizer.chat_template")?.value;
    if (typeof chat === "string" && chat !== "") details.chatTemplate = chat;
  }
  return details;
}
