/**
 * Media types of manifests, config blobs and layers, exactly as Ollama writes
 * and reads them (ollama/ollama `server/images.go`, `server/create.go`).
 */
export const MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
/** Accepted when reading a manifest pulled from an OCI registry; never written. */
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json";

export const LAYER_MEDIA_TYPES = {
  /** The GGUF weights (FROM). */
  model: "application/vnd.ollama.image.model",
  /** A LoRA adapter GGUF (ADAPTER); several may follow each other. */
  adapter: "application/vnd.ollama.image.adapter",
  /** A vision projector GGUF, inherited from multimodal bases. */
  projector: "application/vnd.ollama.image.projector",
  /** TEMPLATE text (Go template syntax). */
  template: "application/vnd.ollama.image.template",
  /** SYSTEM text. */
  system: "application/vnd.ollama.image.system",
  /** PARAMETERs as a JSON object (Go encoding, keys sorted). */
  params: "application/vnd.ollama.image.params",
  /** MESSAGE history as a JSON array of {role, content}. */
  messages: "application/vnd.ollama.image.messages",
  /** LICENSE text; one layer per LICENSE instruction. */
  license: "application/vnd.ollama.image.license",
} as const;

/**
 * The FORMAT layer, modelsmith's own (Ollama has no FORMAT instruction and
 * skips layers it does not know). Its bytes are `json` for `FORMAT json`, else
 * the JSON Schema file's text as it is.
 */
export const FORMAT_MEDIA_TYPE = "application/vnd.modelsmith.format";

export type LayerKind = keyof typeof LAYER_MEDIA_TYPES;
export type LayerMediaType = (typeof LAYER_MEDIA_TYPES)[LayerKind];
