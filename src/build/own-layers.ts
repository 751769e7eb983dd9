import type { Sha256Digest } from "../resolve/reference-types.js";
import type { ParamValue } from "../store/layer-content.js";

/**
 * What a Modelfile adds on top of its base, as plain data: the definition of
 * its own layers. Pure values only (texts, numbers, digests), so the whole
 * thing is hashed into the build step's cache key with digestOf.
 */
export interface OwnLayerDefs {
  /** Vision projector files (later FROM lines), in order, as pinned blobs; absent when none. */
  projectors?: { digest: Sha256Digest; size: number }[];
  /** ADAPTER files, in order, as pinned blobs. */
  adapters: { digest: Sha256Digest; size: number }[];
  template?: string;
  /** SYSTEM text; `""` clears an inherited system prompt. */
  system?: string;
  /** LICENSE texts, in order. */
  licenses: string[];
  /** PARAMETERs by name (`stop` a list); merged over inherited ones. */
  params: Record<string, ParamValue>;
  /** MESSAGE history, in order; any MESSAGE replaces an inherited history. */
  messages: { role: string; content: string }[];
  /** FORMAT: `json`, or the text of a JSON Schema file. */
  format?: { kind: "json" } | { kind: "schema"; text: string };
  /** REQUIRES: minimum Ollama version, into the config blob. */
  requires?: string;
}

export { FORMAT_MEDIA_TYPE } from "../store/media-types.js";

/** The FORMAT layer's bytes. */
export function formatLayerText(format: NonNullable<OwnLayerDefs["format"]>): string {
  return format.kind === "json" ? "json" : format.text;
}
