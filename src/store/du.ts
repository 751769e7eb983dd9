import type { Diagnostic } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import type { StoreLayout } from "./layout.js";
import { manifestBlobs } from "./manifest.js";
import { listManifests } from "./manifest-files.js";
import type { ModelName } from "./name.js";
import { listBlobFiles, listTempFiles } from "./blob-files.js";

export interface ModelUsage {
  name: ModelName;
  digest: Digest;
  /** Bytes of all blobs the model uses, each counted once. */
  totalBytes: number;
  /** Bytes of the blobs no other model uses: what `rm` of this model (then prune) frees. */
  uniqueBytes: number;
  /** totalBytes - uniqueBytes: bytes shared with other models. */
  sharedBytes: number;
}

export interface StoreUsage {
  models: ModelUsage[];
  /** Blobs used by at least one model, each counted once. */
  referencedBytes: number;
  /** Blobs no model uses: what prune can free (less those in their grace period). */
  unreferencedBytes: number;
  /** Files of writes in progress or abandoned under tmp/. */
  tempBytes: number;
  /** referenced + unreferenced + temp: the store's size, every blob once. */
  totalBytes: number;
  /** Bytes of blobs hardlinked with files outside the store: on disk once, shared with the user's files. */
  linkedBytes: number;
  /** Blobs a manifest refers to that are not in the store (run verify). */
  missing: Digest[];
  problems: Diagnostic[];
}

/**
 * Disk usage, from the blob files themselves (their real sizes on disk, not
 * the sizes manifests declare). A blob shared by several models counts once in
 * the store total and in each model's total, and as shared in each.
 */
export async function du(layout: StoreLayout): Promise<StoreUsage> {
  const { manifests, problems } = await listManifests(layout);
  const blobs = new Map((await listBlobFiles(layout)).map((b) => [b.digest, b]));
  const users = new Map<Digest, number>();
  for (const m of manifests) for (const d of manifestBlobs(m.manifest)) users.set(d, (users.get(d) ?? 0) + 1);

  const models = manifests.map((m): ModelUsage => {
    let totalBytes = 0;
    let uniqueBytes = 0;
    for (const d of manifestBlobs(m.manifest)) {
      const size = blobs.get(d)?.size ?? 0;
      totalBytes += size;
      if (users.get(d) === 1) uniqueBytes += size;
    }
    return { name: m.name, digest: m.digest, totalBytes, uniqueBytes, sharedBytes: totalBytes - uniqueBytes };
  });

  let referencedBytes = 0;
  let unreferencedBytes = 0;
  let linkedBytes = 0;
  for (const b of blobs.values()) {
    if (users.has(b.digest)) referencedBytes += b.size;
    else unreferencedBytes += b.size;
    if (b.nlink > 1) linkedBytes += b.size;
  }
  const tempBytes = (await listTempFiles(layout)).reduce((n, t) => n + t.size, 0);
  const missing = [...users.keys()].filter((d) => !blobs.has(d)).sort();
  return { models, referencedBytes, unreferencedBytes, tempBytes, totalBytes: referencedBytes + unreferencedBytes + tempBytes, linkedBytes, missing, problems };
}
