import { readFile, stat, unlink } from "node:fs/promises";
import { BlobChecks, type BlobCondition } from "./blob-check.js";
import { parseDigest, type Digest } from "./digest.js";
import { du, type StoreUsage } from "./du.js";
import { gc, type GcOptions, type GcResult } from "./gc.js";
import { ingestFile, type IngestOptions, type IngestResult } from "./ingest.js";
import { StoreLayout } from "./layout.js";
import { withStoreLock, type LockOptions } from "./lock.js";
import { makeManifest, type Layer, type Manifest } from "./manifest.js";
import { CONFIG_MEDIA_TYPE } from "./media-types.js";
import { makeModelConfig, serializeModelConfig, type ModelConfigInput } from "./model-config.js";
import { listManifests, readManifest, type ManifestListing, type StoredManifest } from "./manifest-files.js";
import { copyManifest, removeManifest, writeManifest, writeManifestBytes, type WrittenManifest } from "./manifest-write.js";
import { parseModelName, type ModelName } from "./name.js";
import { putBlobFromBuffer, putBlobFromStream, type PutBlobOptions, type PutBlobResult } from "./put-blob.js";
import { StatCache } from "./stat-cache.js";
import { cleanUpAtExit, pinBlob } from "./writer-lease.js";
import { verify, verifyBlob, type BlobCheck, type VerifyResult } from "./verify.js";

export interface StoreOptions {
  /** Waiting and staleness of the store-wide lock. */
  lock?: LockOptions;
  /** Keep file digests by stat in `<root>/cache/` so unchanged files are hashed once; default true. */
  statCache?: boolean;
}

/** A model name, or a string parsed with Ollama's defaults. */
export type NameInput = ModelName | string;

/**
 * The content-addressed store at one root directory, in Ollama's layout (see
 * layout.ts). All IO happens under `root`; nothing is read from the
 * environment (the CLI resolves the root with `resolveStoreRoot`).
 *
 * Concurrency: any number of processes may use one store. Blob writes need no
 * lock; manifest writes, removals, copies and gc take the store-wide lock
 * (lock.ts) for the moment they run; reads take none.
 */
export class Store {
  readonly layout: StoreLayout;
  private readonly statCache: StatCache | undefined;
  private readonly blobChecks: BlobChecks;

  constructor(root: string, private readonly options: StoreOptions = {}) {
    this.layout = new StoreLayout(root);
    this.statCache = options.statCache === false ? undefined : new StatCache(this.layout.statCacheFile);
    this.blobChecks = new BlobChecks(this.layout.blobChecksFile);
    cleanUpAtExit(this.layout);
  }

  get root(): string {
    return this.layout.root;
  }

  blobPath(digest: string): string {
    return this.layout.blobPath(parseDigest(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return stat(this.blobPath(digest)).then((s) => s.isFile(), () => false);
  }

  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  putBlobFromStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: PutBlobOptions): Promise<PutBlobResult> {
    return putBlobFromStream(this.layout, source, options);
  }

  putBlobFromBuffer(data: Uint8Array | string, options?: PutBlobOptions): Promise<PutBlobResult> {
    return putBlobFromBuffer(this.layout, data, options);
  }

  /** Puts `data` and returns the layer that refers to it. */
  async putLayer(mediaType: string, data: Uint8Array | string): Promise<Layer> {
    const { digest, size } = await this.putBlobFromBuffer(data);
    return { mediaType, digest, size };
  }

  /**
   * Puts the config blob for `facts` (rootfs.diff_ids = the layers' digests,
   * unless `rootfs: false`) and returns the manifest of config + layers, ready
   * for writeManifest. The layers must already be in the store.
   */
  async assembleManifest(facts: Omit<ModelConfigInput, "layerDigests">, layers: readonly Layer[], options: { rootfs?: boolean } = {}): Promise<Manifest> {
    const config = makeModelConfig({ ...facts, ...(options.rootfs === false ? {} : { layerDigests: layers.map((l) => l.digest) }) });
    return makeManifest(await this.putLayer(CONFIG_MEDIA_TYPE, serializeModelConfig(config)), layers);
  }

  ingestFile(file: string, options: IngestOptions = {}): Promise<IngestResult> {
    return ingestFile(this.layout, file, { ...(this.statCache ? { statCache: this.statCache } : {}), blobChecks: this.blobChecks, ...options });
  }

  /**
   * The cheap check a build runs on a blob it relies on (blob-check.ts): its
   * size always, its content only when its stat moved since it was last known
   * good. A corrupt blob is removed from the store (only this path: a user's
   * file it was hardlinked to stays), so that whoever made it makes it again.
   */
  async checkBlob(digest: string, expectedSize?: number): Promise<BlobCondition> {
    const d = parseDigest(digest);
    // A build checks what it is about to rely on: pinned first, so a concurrent prune keeps it (writer-lease.ts).
    await pinBlob(this.layout, d);
    const condition = await this.blobChecks.check(this.layout, d, expectedSize);
    if (condition.status === "corrupt") await this.discardBlob(d, condition.ino);
    return condition;
  }

  /**
   * Removes one blob file whatever uses it (a corrupt one); no error when it
   * is gone already. With `ino`, only while the file is still that inode, so a
   * good copy another process has put there meanwhile stays.
   */
  async discardBlob(digest: string, ino?: bigint): Promise<void> {
    const file = this.blobPath(digest);
    if (ino !== undefined) {
      const now = await stat(file, { bigint: true }).catch(() => undefined);
      if (now?.ino !== ino) return;
    }
    await unlink(file).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    });
  }

  verifyBlob(digest: string): Promise<BlobCheck> {
    return verifyBlob(this.layout, parseDigest(digest));
  }

  writeManifest(name: NameInput, manifest: Manifest): Promise<WrittenManifest> {
    return this.withLock(() => writeManifest(this.layout, toName(name), manifest));
  }

  /** Stores manifest bytes exactly as given (pulled manifests keep their registry digest). */
  writeManifestBytes(name: NameInput, bytes: string | Uint8Array): Promise<WrittenManifest> {
    return this.withLock(() => writeManifestBytes(this.layout, toName(name), bytes));
  }

  readManifest(name: NameInput): Promise<StoredManifest> {
    return readManifest(this.layout, toName(name));
  }

  listManifests(): Promise<ManifestListing> {
    return listManifests(this.layout);
  }

  removeManifest(name: NameInput): Promise<{ name: ModelName; digest: Digest }> {
    return this.withLock(() => removeManifest(this.layout, toName(name)));
  }

  copyManifest(from: NameInput, to: NameInput): Promise<WrittenManifest> {
    return this.withLock(() => copyManifest(this.layout, toName(from), toName(to)));
  }

  gc(options?: GcOptions): Promise<GcResult> {
    return this.withLock(() => gc(this.layout, options));
  }

  du(): Promise<StoreUsage> {
    return du(this.layout);
  }

  verify(onBlob?: (check: BlobCheck) => void): Promise<VerifyResult> {
    return verify(this.layout, onBlob);
  }

  /** Runs `fn` holding the store-wide lock (re-entrant within `fn`). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withStoreLock(this.layout.lockFile, fn, this.options.lock);
  }
}

function toName(name: NameInput): ModelName {
  return typeof name === "string" ? parseModelName(name) : name;
}
