import type { OciReference, OllamaReference } from "../resolve/reference-types.js";
import type { Source } from "../resolve/sources/pin.js";
import { unavailableSource } from "../resolve/sources/unavailable-source.js";

/** Models in an Ollama registry (`llama3:8b`, `ollama://host/ns/model:tag`). Placeholder: not available yet. */
export const ollamaSource: Source<OllamaReference> = unavailableSource;

/** Artifacts in any OCI distribution registry (`oci://host/repo:tag`). Placeholder: not available yet. */
export const ociSource: Source<OciReference> = unavailableSource;
