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
  /**
   * ADAPTER files, in order, as pinned blobs; a PEFT adapter folder as the
   * key of the convert step that makes its GGUF (plan.ts), replaced by that
   * blob when the model is assembled.
   */
  adapters: AdapterDef[];
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

/** One ADAPTER layer: a pinned blob, or the output of the convert step with this key. */
export type AdapterDef = { digest: Sha256Digest; size: number } | { convert: Sha256Digest };

/** Own layers whose adapters are all blobs (what the assemble step puts in the manifest). */
export type ResolvedOwnLayerDefs = Omit<OwnLayerDefs, "adapters"> & { adapters: { digest: Sha256Digest; size: number }[] };

export { FORMAT_MEDIA_TYPE } from "../store/media-types.js";

/** The FORMAT layer's bytes. */
export function formatLayerText(format: NonNullable<OwnLayerDefs["format"]>): string {
  return format.kind === "json" ? "json" : format.text;
}
