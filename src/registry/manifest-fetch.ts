import { createHash } from "node:crypto";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { parseManifest, type Layer, type Manifest } from "../store/manifest.js";
import { LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from "../store/media-types.js";
import type { RegistryClient } from "./client.js";
import { describeRemote, manifestReference, type Remote } from "./remote.js";
import { ollamaView, type ForeignArtifact } from "./formats/convert.js";

/** Manifest types asked for: single manifests only (Docker v2 schema 2 and OCI), the types Ollama's registry and OCI artifact registries serve. */
export const MANIFEST_ACCEPT = [MANIFEST_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE].join(", ");

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/**
 * The largest manifest accepted: 4 MiB, the limit of the distribution
 * project's reference registry (registry/handlers/manifests.go,
 * `maxManifestBodySize = 4 << 20`:
 * https://github.com/distribution/distribution/blob/a8371794149d1d95f1e846744b05c87f2f825e5a/registry/handlers/manifests.go#L30),
 * which containers/image also enforces when it reads one (iolimits.MaxManifestBodySize).
 * A larger one is MS5696, read no further.
 */
export const MAX_MANIFEST_BYTES = 4 << 20;

/** A manifest as the registry sent it: its exact bytes (the digest is theirs), parsed. */
export interface RemoteManifest {
  bytes: Buffer;
  digest: Sha256Digest;
  /** Parsed; a ModelPack or Docker Model Runner artifact's layers carry Ollama's media types (formats/convert.ts ollamaView). */
  manifest: Manifest;
  /** Set for a ModelPack or Docker Model Runner artifact: its config is not Ollama's. */
  foreign?: ForeignArtifact;
}

/**
 * GETs the manifest of `remote` (by its pinned digest, else its tag) with
 * Accept for Docker v2 and OCI manifests, and verifies its bytes: their
 * sha256 must be the pinned digest, and the registry's
 * `Docker-Content-Digest` when it sends one (EnvironmentError MS5613
 * otherwise). An image index or manifest list is MS5614: a model is one
 * manifest.
 */
export async function fetchManifest(client: RegistryClient, remote: Remote): Promise<RemoteManifest> {
  const ref = manifestReference(remote);
  const what = `manifest ${remote.repository}${ref.startsWith("sha256:") ? "@" : ":"}${ref}`;
  const { res, bytes } = await client.getBytes(client.url(`manifests/${ref}`), { what, headers: { Accept: MANIFEST_ACCEPT } }, MAX_MANIFEST_BYTES);
  const digest: Sha256Digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const announced = res.headers.get("docker-content-digest");
  for (const expected of [remote.digest, announced?.startsWith("sha256:") ? announced : undefined]) {
    if (expected !== undefined && expected !== digest) {
      throw new EnvironmentError(error("MS5613", `the ${what} from ${remote.host} has digest ${digest}, not ${expected}: nothing was stored`, { hint: expected === remote.digest ? "check the pin: the registry has other bytes under it" : "the registry or a proxy changed the manifest on the way" }));
    }
  }
  const type = res.headers.get("content-type")?.split(";")[0]?.trim();
  const declared = (() => {
    try {
      return (JSON.parse(bytes.toString("utf8")) as { mediaType?: string }).mediaType;
    } catch {
      return undefined;
    }
  })();
  if (INDEX_TYPES.includes(declared ?? "") || INDEX_TYPES.includes(type ?? "")) {
    throw new EnvironmentError(error("MS5614", `${describeRemote(remote)} is an image index (one manifest per platform), not a model manifest`, { hint: "name the model's own manifest by its digest (`@sha256:…`)" }));
  }
  return { bytes, digest, ...ollamaView(bytes, parseManifest(bytes.toString("utf8"), `${describeRemote(remote)} (${what})`)) };
}

/** True for the media type of a GGUF model layer: Ollama's, or an OCI artifact's GGUF type (Docker Model Runner's `application/vnd.docker.ai.gguf.v3`). */
export function isModelLayerType(mediaType: string): boolean {
  return mediaType === LAYER_MEDIA_TYPES.model || /(^|[./+-])gguf([./+-]|$)/i.test(mediaType);
}

/** The model layer of a manifest (the first GGUF layer); EnvironmentError MS5614 when there is none. */
export function modelLayer(m: RemoteManifest, remote: Remote): Layer {
  const layer = m.manifest.layers.find((l) => isModelLayerType(l.mediaType));
  if (layer) return layer;
  const types = [...new Set(m.manifest.layers.map((l) => l.mediaType))].join(", ") || "none";
  throw new EnvironmentError(error("MS5614", `${describeRemote(remote)} has no GGUF model layer (its layers: ${types})`, { hint: "point the reference at an Ollama model or a GGUF OCI artifact" }));
}
