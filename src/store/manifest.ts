import { EnvironmentError, error } from "../diagnostics/index.js";
import { sha256Digest, tryParseDigest, type Digest } from "./digest.js";
import { goEncode, GoStruct } from "./go-json.js";
import { MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from "./media-types.js";

/**
 * A model manifest: Docker's image manifest v2 schema 2, as Ollama stores one per
 * model under `manifests/<host>/<namespace>/<model>/<tag>`.
 *
 *     {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
 *      "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:…","size":N},
 *      "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:…","size":N,"from":"base:tag"},…]}
 *
 * Invariants of what `serializeManifest` writes: key order as above (Ollama's
 * struct order), no whitespace, a final newline, `from` and `name` only when
 * set; nothing else, so no timestamp, host path or tool version can reach the
 * bytes. The manifest's digest is the sha256 of its file's bytes, newline
 * included, which is what `ollama list` shows (first 12 hex digits).
 */
export interface Layer {
  mediaType: string;
  digest: Digest;
  size: number;
  /** Ollama sets this on layers inherited from a FROM model: that model's shortest name. */
  from?: string;
  /** Tensor name of per-tensor layers (Ollama's safetensors models); carried, never set by modelsmith. */
  name?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Layer;
  layers: Layer[];
}

/** A manifest with the given config and layers, in Ollama's form. */
export function makeManifest(config: Layer, layers: readonly Layer[]): Manifest {
  return { schemaVersion: 2, mediaType: MANIFEST_MEDIA_TYPE, config: { ...config }, layers: layers.map((l) => ({ ...l })) };
}

/** The manifest's bytes as Ollama's WriteManifest would write them. */
export function serializeManifest(m: Manifest): string {
  return goEncode(
    new GoStruct([
      ["schemaVersion", m.schemaVersion],
      ["mediaType", m.mediaType],
      ["config", layerStruct(m.config)],
      ["layers", m.layers.map(layerStruct)],
    ]),
  );
}

/** The digest of the manifest's serialized bytes. */
export function manifestDigest(m: Manifest): Digest {
  return sha256Digest(serializeManifest(m));
}

/** Every blob the manifest refers to, config first, each once. */
export function manifestBlobs(m: Manifest): Digest[] {
  return [...new Set([m.config.digest, ...m.layers.map((l) => l.digest)])];
}

function layerStruct(l: Layer): GoStruct {
  return new GoStruct([
    ["mediaType", l.mediaType],
    ["digest", l.digest],
    ["size", l.size],
    ["from", l.from || undefined],
    ["name", l.name || undefined],
  ]);
}

/**
 * Reads manifest JSON written by modelsmith, by Ollama, or pulled from a
 * registry (any key order and spacing; Docker v2 or OCI media type). Throws
 * EnvironmentError MS5105 naming `file` when it is not a manifest.
 */
export function parseManifest(text: string, file?: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(`not valid JSON (${(err as Error).message})`, file);
  }
  if (!isObject(raw)) throw corrupt("not a JSON object", file);
  if (raw.schemaVersion !== 2) throw corrupt(`schemaVersion is ${JSON.stringify(raw.schemaVersion)}, expected 2`, file);
  const mediaType = raw.mediaType ?? MANIFEST_MEDIA_TYPE;
  if (mediaType !== MANIFEST_MEDIA_TYPE && mediaType !== OCI_MANIFEST_MEDIA_TYPE) throw corrupt(`unknown manifest media type ${JSON.stringify(mediaType)}`, file);
  if (!Array.isArray(raw.layers)) throw corrupt("layers is not a list", file);
  return {
    schemaVersion: 2,
    mediaType,
    config: parseLayer(raw.config, "config", file),
    layers: raw.layers.map((l, i) => parseLayer(l, `layers[${i}]`, file)),
  };
}

function parseLayer(raw: unknown, where: string, file: string | undefined): Layer {
  if (!isObject(raw)) throw corrupt(`${where} is not an object`, file);
  const digest = typeof raw.digest === "string" ? tryParseDigest(raw.digest) : undefined;
  if (typeof raw.mediaType !== "string") throw corrupt(`${where}.mediaType is not a string`, file);
  if (!digest) throw corrupt(`${where}.digest is not a sha256 digest`, file);
  if (typeof raw.size !== "number" || !Number.isSafeInteger(raw.size) || raw.size < 0) throw corrupt(`${where}.size is not a byte count`, file);
  const layer: Layer = { mediaType: raw.mediaType, digest, size: raw.size };
  if (typeof raw.from === "string" && raw.from !== "") layer.from = raw.from;
  if (typeof raw.name === "string" && raw.name !== "") layer.name = raw.name;
  return layer;
}

function corrupt(why: string, file: string | undefined): EnvironmentError {
  return new EnvironmentError(error("MS5105", `corrupt manifest: ${why}`, file === undefined ? {} : { file }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
