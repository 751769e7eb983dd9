import type { Sha256Digest } from "../resolve/reference-types.js";
import { manifestBlobs, type Layer } from "../store/manifest.js";
import type { ModelName } from "../store/name.js";
import type { Store } from "../store/store.js";
import { RegistryClient, type ClientOptions } from "./client.js";
import { downloadBlob } from "./download.js";
import { rememberBlob } from "./blob-locations.js";
import { fetchManifest } from "./manifest-fetch.js";
import { writeForeign } from "./formats/store-foreign.js";
import { remoteOf, storeNameOf, type RegistryReference } from "./remote.js";

/** What pull tells as it goes; every event is a line in the CLI's plain progress. */
export type PullEvent =
  | { kind: "manifest"; digest: Sha256Digest; blobs: number; bytes: number }
  | { kind: "blob"; digest: Sha256Digest; mediaType: string; done: number; total: number; resumed: boolean }
  | { kind: "have"; digest: Sha256Digest; mediaType: string; size: number }
  /** Every blob is in the store, verified: the manifest is written next. */
  | { kind: "writing" };

export interface PullResult {
  name: ModelName;
  /** The registry's manifest digest. */
  digest: Sha256Digest;
  /** A ModelPack or Docker artifact: its layout, and the digest of the Ollama manifest the store holds for it. */
  format?: "modelpack" | "docker";
  stored?: Sha256Digest;
  blobs: { digest: Sha256Digest; mediaType: string; size: number; downloaded: boolean }[];
}

export interface PullOptions extends ClientOptions {
  store: Store;
  onEvent?: (e: PullEvent) => void;
  /** Blobs downloaded at once (default 3); each also fetches its ranges in parallel. */
  parallel?: number;
}

/**
 * `pull`: the whole model: its manifest (verified, kept byte for byte so the
 * digest is the registry's) and every blob it refers to, config included,
 * several at once, each resumable and verified before it enters the store
 * (downloadBlob). The manifest is written last, under the reference's store
 * name (storeNameOf), so an interrupted or failed pull leaves no model that
 * names missing blobs; a rerun resumes the blobs and skips those it has.
 */
export async function pullModel(ref: RegistryReference, o: PullOptions): Promise<PullResult> {
  const remote = remoteOf(ref);
  const name = storeNameOf(ref);
  const client = new RegistryClient(remote.host, remote.repository, o);
  const m = await fetchManifest(client, remote);
  const layers = new Map<string, Layer>();
  for (const l of [m.manifest.config, ...m.manifest.layers]) if (!layers.has(l.digest)) layers.set(l.digest, l);
  // A ModelPack or Docker artifact's config is not the store's: the store gets an Ollama config instead (writeForeign).
  const digests = m.foreign ? [...new Set(m.manifest.layers.map((l) => l.digest))] : manifestBlobs(m.manifest);
  o.onEvent?.({ kind: "manifest", digest: m.digest, blobs: digests.length, bytes: digests.reduce((n, d) => n + layers.get(d)!.size, 0) });
  const blobs: PullResult["blobs"] = [];
  const todo = [...digests];
  // The first blob that fails stops the others (and their progress), so the error is the last word.
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const worker = async () => {
    for (let d = todo.shift(); d !== undefined && !stop.signal.aborted; d = todo.shift()) {
      const l = layers.get(d)!;
      const have = (await o.store.checkBlob(d, l.size)).status === "ok";
      if (have) {
        o.onEvent?.({ kind: "have", digest: d, mediaType: l.mediaType, size: l.size });
      } else {
        let first = true;
        await downloadBlob({
          url: client.url(`blobs/${d}`),
          headers: client.authHeaders(),
          digest: d,
          size: l.size,
          store: o.store,
          limits: client.limits,
          what: `blob ${d} of ${remote.host}/${remote.repository}`,
          signal,
          onProgress: (done, total) => {
            if (stop.signal.aborted) return;
            o.onEvent?.({ kind: "blob", digest: d, mediaType: l.mediaType, done, total, resumed: first && done > 0 });
            first = false;
          },
        });
      }
      await rememberBlob(o.store, remote.host, remote.repository, d);
      blobs.push({ digest: d, mediaType: l.mediaType, size: l.size, downloaded: !have });
    }
  };
  let failure: { reason: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(o.parallel ?? 3, digests.length) }, () =>
      worker().catch((reason: unknown) => {
        failure ??= { reason };
        stop.abort();
      }),
    ),
  );
  if (failure) throw failure.reason;
  o.onEvent?.({ kind: "writing" });
  const written = m.foreign ? await writeForeign(o.store, name, m.manifest, m.foreign) : await o.store.writeManifestBytes(name, m.bytes);
  blobs.sort((a, b) => digests.indexOf(a.digest) - digests.indexOf(b.digest));
  return { name: written.name, digest: m.digest, ...(m.foreign ? { stored: written.digest as Sha256Digest, format: m.foreign.format } : {}), blobs };
}
