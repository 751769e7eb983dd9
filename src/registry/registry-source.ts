import { homedir } from "node:os";
import { formatReference } from "../resolve/format-reference.js";
import { parseReference } from "../resolve/reference.js";
import type { OciReference, OllamaReference, Sha256Digest } from "../resolve/reference-types.js";
import { pinMismatch } from "../resolve/sources/file-source.js";
import { blobInStore, type Pin, type Source, type SourceContext } from "../resolve/sources/pin.js";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";
import { RegistryClient } from "./client.js";
import { downloadBlob } from "./download.js";
import { fetchManifest, modelLayer, type RemoteManifest } from "./manifest-fetch.js";
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

/** Pins a registry reference: the manifest digest in the locator, the model layer's digest and size in the pin. */
async function resolveRegistry(ref: RegistryReference, ctx: SourceContext): Promise<Pin> {
  const remote = remoteOf(ref);
  const m = await withAt(cachedManifest(ref, remote, clientFor(remote, ctx)), ctx);
  const layer = await withAt(Promise.resolve().then(() => modelLayer(m, remote)), ctx);
  const locator = formatReference({ ...ref, digest: m.digest });
  // The same bytes answer for the pinned locator: fetch (next) needs no second round trip.
  if (!manifests.has(locator)) manifests.set(locator, { at: Date.now(), value: Promise.resolve(m) });
  return { source: formatReference(ref), locator, digest: layer.digest, size: layer.size };
}

/** Puts the pinned model layer in the store: the manifest by its pinned digest, then the layer (resumable, verified). */
async function fetchRegistry(pin: Pin, ctx: SourceContext): Promise<void> {
  if (await blobInStore(pin, ctx)) return;
  const ref = parseReference(pin.locator).reference;
  if (ref?.kind !== "ollama" && ref?.kind !== "oci") throw new EnvironmentError(error("MS5614", `cannot fetch ${pin.locator}: not a registry reference`, ctx.at));
  const remote = remoteOf(ref);
  const client = clientFor(remote, ctx);
  const m = await withAt(cachedManifest(ref, remote, client), ctx);
  const layer = modelLayer(m, remote);
  if (layer.digest !== pin.digest) throw pinMismatch(pin.locator, pin.digest as Sha256Digest, layer.digest, ctx);
  await withAt(downloadBlob({ url: client.url(`blobs/${layer.digest}`), headers: client.authHeaders(), digest: layer.digest, size: layer.size, store: ctx.store, what: pin.source }), ctx);
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
