import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { manifestBlobs, parseManifest } from "../store/manifest.js";
import { MANIFEST_MEDIA_TYPE } from "../store/media-types.js";
import type { Store } from "../store/store.js";
import { RegistryClient, type ClientOptions, type FetchBody } from "./client.js";
import { MANIFEST_ACCEPT } from "./manifest-fetch.js";
import { describeRemote, type Remote } from "./remote.js";

export type PushEvent = { kind: "blob"; digest: Sha256Digest; size: number; status: "exists" | "uploaded" };

export interface PushResult {
  digest: Sha256Digest;
  blobs: { digest: Sha256Digest; size: number; uploaded: boolean }[];
}

export interface PushOptions extends ClientOptions {
  store: Store;
  onEvent?: (e: PushEvent) => void;
}

/**
 * `push`: uploads a stored manifest's blobs and then the manifest, byte for
 * byte, so the registry's digest is the store's. Each blob is first asked
 * for (HEAD): one the repository has is skipped. Otherwise a monolithic
 * upload: POST `/blobs/uploads/` for a session, then PUT the whole blob to
 * its location with `?digest=`, streamed from the store (the registry
 * verifies the digest). The manifest goes last, with its media type, under
 * the remote's tag (or digest).
 */
export async function pushManifest(bytes: Buffer, remote: Remote, o: PushOptions): Promise<PushResult> {
  const manifest = parseManifest(bytes.toString("utf8"));
  const client = new RegistryClient(remote.host, remote.repository, o);
  const sizes = new Map([manifest.config, ...manifest.layers].map((l) => [l.digest, l.size]));
  const blobs: PushResult["blobs"] = [];
  for (const digest of manifestBlobs(manifest)) {
    const size = sizes.get(digest)!;
    const uploaded = !(await blobExists(client, digest));
    if (uploaded) await uploadBlob(client, o.store, digest, size);
    o.onEvent?.({ kind: "blob", digest, size, status: uploaded ? "uploaded" : "exists" });
    blobs.push({ digest, size, uploaded });
  }
  const ref = remote.digest ?? remote.tag ?? "latest";
  await client.request(client.url(`manifests/${ref}`), {
    method: "PUT",
    what: `manifest ${describeRemote(remote)}`,
    headers: { "Content-Type": manifest.mediaType || MANIFEST_MEDIA_TYPE, Accept: MANIFEST_ACCEPT },
    body: () => bytes,
    ok: [200, 201],
  });
  return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, blobs };
}

async function blobExists(client: RegistryClient, digest: Sha256Digest): Promise<boolean> {
  const res = await client.request(client.url(`blobs/${digest}`), { method: "HEAD", what: `blob ${digest}`, ok: [200, 404] });
  await res.body?.cancel();
  return res.status === 200;
}

async function uploadBlob(client: RegistryClient, store: Store, digest: Sha256Digest, size: number): Promise<void> {
  const what = `upload of blob ${digest} to ${client.host}/${client.repository}`;
  const start = await client.request(client.url("blobs/uploads/"), { method: "POST", what, headers: { "Content-Length": "0" }, ok: [202] });
  await start.body?.cancel();
  const location = start.headers.get("location");
  const url = new URL(location ?? "", client.base);
  url.searchParams.set("digest", digest);
  const file = store.blobPath(digest);
  const done = await client.request(url.toString(), {
    method: "PUT",
    what,
    headers: { "Content-Type": "application/octet-stream", "Content-Length": String(size) },
    body: () => Readable.toWeb(createReadStream(file)) as unknown as FetchBody,
    ok: [201, 204],
  });
  await done.body?.cancel();
}
