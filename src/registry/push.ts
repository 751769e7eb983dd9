import { createHash } from "node:crypto";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { manifestBlobs, parseManifest } from "../store/manifest.js";
import { MANIFEST_MEDIA_TYPE } from "../store/media-types.js";
import type { Store } from "../store/store.js";
import { RegistryClient, type ClientOptions } from "./client.js";
import { pushBlobs, type UploadStatus } from "./upload.js";
import { MANIFEST_ACCEPT } from "./manifest-fetch.js";
import { describeRemote, type Remote } from "./remote.js";

export type PushEvent = { kind: "blob"; digest: Sha256Digest; size: number; status: UploadStatus };

export interface PushResult {
  digest: Sha256Digest;
  blobs: { digest: Sha256Digest; size: number; uploaded: boolean; mounted?: true }[];
}

export interface PushOptions extends ClientOptions {
  store: Store;
  onEvent?: (e: PushEvent) => void;
  /** Bytes of a blob sent so far, as they go. */
  onProgress?: (digest: Sha256Digest, sent: number, total: number) => void;
  /** Every blob is in the repository: the manifest is sent next. */
  onManifest?: () => void;
}

/**
 * `push`: uploads a stored manifest's blobs and then the manifest, byte for
 * byte, so the registry's digest is the store's. Each blob is first asked
 * for (HEAD): one the repository has is skipped; one another repository of
 * the host holds is mounted; the rest are uploaded, chunked when large,
 * several at once, with retries (upload.ts). The manifest goes last, with its media type, under
 * the remote's tag (or digest).
 */
export async function pushManifest(bytes: Buffer, remote: Remote, o: PushOptions): Promise<PushResult> {
  const manifest = parseManifest(bytes.toString("utf8"));
  const client = new RegistryClient(remote.host, remote.repository, o);
  const sizes = new Map([manifest.config, ...manifest.layers].map((l) => [l.digest, l.size]));
  const digests = manifestBlobs(manifest).map((digest) => ({ digest, size: sizes.get(digest)! }));
  // Several at once, chunked, mounted from another repository of the host when one is known to hold the blob (upload.ts).
  const statuses = await pushBlobs(client, digests, {
    store: o.store,
    onBlob: (b) => o.onEvent?.({ kind: "blob", digest: b.digest, size: b.size, status: b.status }),
    ...(o.onProgress ? { onBlobProgress: o.onProgress } : {}),
  });
  const blobs: PushResult["blobs"] = digests.map((b, i) => ({ ...b, uploaded: statuses[i] === "uploaded", ...(statuses[i] === "mounted" ? { mounted: true } : {}) }));
  const ref = remote.digest ?? remote.tag ?? "latest";
  o.onManifest?.();
  await client.request(client.url(`manifests/${ref}`), {
    method: "PUT",
    what: `manifest ${describeRemote(remote)}`,
    headers: { "Content-Type": manifest.mediaType || MANIFEST_MEDIA_TYPE, Accept: MANIFEST_ACCEPT },
    body: () => bytes,
    ok: [200, 201],
  });
  return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, blobs };
}

