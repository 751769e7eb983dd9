import path from "node:path";
import { blobFileName, type Digest } from "./digest.js";
import { manifestPathParts, type ModelName } from "./name.js";

/**
 * Where things live under a store root (pure: computes paths, touches nothing).
 *
 *     <root>/blobs/sha256-<hex>                          content, read-only (0444)   (Ollama's)
 *     <root>/manifests/<host>/<namespace>/<model>/<tag>  one manifest per name       (Ollama's)
 *     <root>/tmp/                                        temp files of writes in progress
 *     <root>/writers/<pid>.lease                         blobs a live build relies on (writer-lease.ts)
 *     <root>/store.lock                                  the store-wide lock (lock.ts)
 *     <root>/cache/stat-digests.json                     file digests by stat (stat-cache.ts)
 *     <root>/cache/blob-checks.json                      blob stats known to match their digests (blob-check.ts)
 *
 * Only `blobs/` and `manifests/` are Ollama's; it ignores the rest, so
 * `OLLAMA_MODELS=<root> ollama serve` serves the store. Temp files are not
 * written under `blobs/` because Ollama's startup prune deletes any file there
 * that is not named like a digest.
 */
export class StoreLayout {
  readonly root: string;
  readonly blobsDir: string;
  readonly manifestsDir: string;
  readonly tmpDir: string;
  readonly lockFile: string;
  readonly writersDir: string;
  readonly statCacheFile: string;
  readonly blobChecksFile: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.blobsDir = path.join(this.root, "blobs");
    this.manifestsDir = path.join(this.root, "manifests");
    this.tmpDir = path.join(this.root, "tmp");
    this.lockFile = path.join(this.root, "store.lock");
    this.writersDir = path.join(this.root, "writers");
    this.statCacheFile = path.join(this.root, "cache", "stat-digests.json");
    this.blobChecksFile = path.join(this.root, "cache", "blob-checks.json");
  }

  blobPath(digest: Digest): string {
    return path.join(this.blobsDir, blobFileName(digest));
  }

  manifestPath(name: ModelName): string {
    return path.join(this.manifestsDir, ...manifestPathParts(name));
  }
}
