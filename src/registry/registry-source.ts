import { homedir } from "node:os";
import { formatReference } from "../resolve/format-reference.js";
import { parseReference } from "../resolve/reference.js";
import type { OciReference, OllamaReference, Sha256Digest } from "../resolve/reference-types.js";
import { pinMismatch } from "../resolve/sources/file-source.js";
import { blobInStore, type Pin, type PinnedLayer, type Source, type SourceContext } from "../resolve/sources/pin.js";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";
import { RegistryClient } from "./client.js";
import { downloadBlob } from "./download.js";
import { withActivity } from "../progress/activity.js";
import { fetchManifest, isModelLayerType, modelLayer, type RemoteManifest } from "./manifest-fetch.js";
import { remoteOf, type RegistryReference, type Remote } from "./remote.js";

/**
 * How long a fetched manifest answers for its reference in this process.
 * `build` resolves each reference twice (its precheck, then the build) and
 * must not pay two round trips; a long-lived process (`watch`) must still
 * see a tag that moved, so entries expire.
 */
const MANIFEST_TTL_MS = 30_000;

const manifests = new Map<string, { at: number; value: Promise<RemoteManifest> }>();

/** The manifest of `ref`, fetched once per reference and TTL (a failure is not kept). */
function cachedManifest(ref: RegistryReference, remote: Remote, client: RegistryClient): Promise<RemoteManifest> {
  const key = formatReference(ref);
  const hit = manifests.get(key);
  if (hit && Date.now() - hit.at < MANIFEST_TTL_MS) return hit.value;
  const value = fetchManifest(client, remote);
  manifests.set(key, { at: Date.now(), value });
  value.catch(() => manifests.get(key)?.value === value && manifests.delete(key));
  return value;
}

function clientFor(remote: Remote, ctx: SourceContext): RegistryClient {
  return new RegistryClient(remote.host, remote.repository, { home: ctx.home || homedir() });
}

/**
 * The layers a model built FROM `m` inherits: every layer but its GGUF ones
 * (the model layer is the pin itself), in manifest order.
 */
function inheritedLayers(m: RemoteManifest): PinnedLayer[] {
  return m.manifest.layers.filter((l) => !isModelLayerType(l.mediaType)).map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
}

const sameLayers = (a: readonly PinnedLayer[], b: readonly PinnedLayer[]): boolean =>
  a.length === b.length && a.every((l, i) => l.mediaType === b[i]!.mediaType && l.digest === b[i]!.digest && l.size === b[i]!.size);

/** Pins a registry reference: the manifest digest in the locator, the model layer's digest and size in the pin, the other layers (to inherit) in `layers`. */
async function resolveRegistry(ref: RegistryReference, ctx: SourceContext): Promise<Pin> {
  const remote = remoteOf(ref);
  const m = await withAt(cachedManifest(ref, remote, clientFor(remote, ctx)), ctx);
  const layer = await withAt(Promise.resolve().then(() => modelLayer(m, remote)), ctx);
  const locator = formatReference({ ...ref, digest: m.digest });
  // The same bytes answer for the pinned locator: fetch (next) needs no second round trip.
  if (!manifests.has(locator)) manifests.set(locator, { at: Date.now(), value: Promise.resolve(m) });
  const layers = inheritedLayers(m);
  return { source: formatReference(ref), locator, digest: layer.digest, size: layer.size, ...(layers.length ? { layers } : {}) };
}

/**
 * Puts the pinned model layer and the layers it inherits in the store: the
 * manifest by its pinned digest, then each missing blob (resumable, verified).
 * The manifest must still list what the pin says (a lock's `layers` too).
 */
async function fetchRegistry(pin: Pin, ctx: SourceContext): Promise<void> {
  const missing: PinnedLayer[] = [];
  for (const l of [{ mediaType: "", digest: pin.digest, size: pin.size }, ...(pin.layers ?? [])]) if (!(await blobInStore(l, ctx))) missing.push(l);
  if (!missing.length) return;
  const ref = parseReference(pin.locator).reference;
  if (ref?.kind !== "ollama" && ref?.kind !== "oci") throw new EnvironmentError(error("MS5614", `cannot fetch ${pin.locator}: not a registry reference`, ctx.at));
  const remote = remoteOf(ref);
  const client = clientFor(remote, ctx);
  const m = await withAt(cachedManifest(ref, remote, client), ctx);
  const layer = modelLayer(m, remote);
  if (layer.digest !== pin.digest) throw pinMismatch(pin.locator, pin.digest as Sha256Digest, layer.digest, ctx);
  if (pin.layers && !sameLayers(pin.layers, inheritedLayers(m))) {
    throw new EnvironmentError(error("MS5613", `the manifest ${pin.locator} does not list the layers models.lock records for ${pin.source}`, { ...ctx.at, hint: "regenerate the lock with `modelsmith lock`" }));
  }
  for (const l of missing) {
    const label = l.digest === pin.digest ? `download ${pin.source}` : `download ${pin.source} layer ${l.digest.slice(7, 19)}`;
    await withAt(withActivity(ctx.activity, label, "bytes", (onProgress) => downloadBlob({ url: client.url(`blobs/${l.digest}`), headers: client.authHeaders(), digest: l.digest, size: l.size, store: ctx.store, what: pin.source, onProgress })), ctx);
  }
}

/** Places a registry diagnostic at the FROM line that named the reference. */
async function withAt<T>(p: Promise<T>, ctx: SourceContext): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const diags = (err as { diagnostics?: { file?: string }[] }).diagnostics;
    if (diags && ctx.at.file) for (const d of diags) if (d.file === undefined) Object.assign(d, ctx.at);
    throw err;
  }
}

/** Models in an Ollama registry (`llama3:8b`, `ollama://host/ns/model:tag`): pinned by manifest digest and model layer digest. */
export const ollamaSource: Source<OllamaReference> = { resolve: resolveRegistry, fetch: fetchRegistry };

/** GGUF artifacts in any OCI distribution registry (`oci://host/repo:tag`), e.g. Docker Model Runner's: pinned by manifest digest. */
export const ociSource: Source<OciReference> = { resolve: resolveRegistry, fetch: fetchRegistry };
