import { constants, createReadStream, type BigIntStats } from "node:fs";
import { chmod, copyFile, link, mkdir, realpath, rename, rm, stat } from "node:fs/promises";
import { ModelsmithError } from "../diagnostics/index.js";
import { parseDigest, type Digest } from "./digest.js";
import { changedWhileReading, digestFile, sameFileState } from "./hash-file.js";
import { errnoCode, storeWriteError } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { putBlobFromStream } from "./put-blob.js";
import type { StatCache } from "./stat-cache.js";
import type { BlobChecks } from "./blob-check.js";
import { pinBlob } from "./writer-lease.js";
import { ensureFreeSpace } from "./free-space.js";
import { BLOB_MODE, checkExpected, refreshBlob, removeQuietly, syncDir, tempPath } from "./temp-file.js";

/** How a file's bytes got into the store. `existing`: the store already held them. */
export type IngestMethod = "hardlink" | "reflink" | "copy" | "existing";
export type IngestAttempt = Exclude<IngestMethod, "existing">;

export interface IngestOptions {
  /** The digest the file must have; a mismatch stores nothing and throws MS5104. */
  expectedDigest?: string;
  /** Methods to try, in order; default hardlink, then reflink, then copy. */
  methods?: readonly IngestAttempt[];
  /** Reuse a digest computed earlier for the same unchanged file. */
  statCache?: StatCache;
  /** Record the placed blob's stat as verified (blob-check.ts), so the next build's check does not re-hash it. */
  blobChecks?: BlobChecks;
  /**
   * The digest of the file's bytes, computed by the caller as it wrote them
   * (downloadBlob hashes a download as it arrives): the file is not read
   * again. Only for a file the caller wrote and nobody else touches.
   */
  knownDigest?: string;
  /**
   * The file is the caller's own temp file: it is removed once its bytes are
   * in the store, before the blob's check is recorded (unlinking a hardlink
   * of the blob moves the blob's ctime, which would make the next check
   * re-hash it).
   */
  consume?: boolean;
  /**
   * The digest and size of the file's bytes as its writer computed them while
   * writing (writeGguf hashes the bytes it writes): the file is not read again.
   * Only for a private temporary file this process just wrote; its size is
   * checked (MS5108 when it differs).
   */
  writtenDigest?: { digest: string; size: number };
}

export interface IngestResult {
  digest: Digest;
  size: number;
  method: IngestMethod;
}

export const DEFAULT_INGEST_METHODS: readonly IngestAttempt[] = ["hardlink", "reflink", "copy"];

/** errno codes that mean "this method does not work here", so the next one is tried. */
const UNSUPPORTED = new Set(["EXDEV", "EPERM", "EACCES", "EMLINK", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EINVAL", "EBADF", "ENOTTY"]);

/**
 * Adds a local file to the store under its sha256, without copying its bytes
 * where the file system allows: a hardlink (same inode: no bytes), else a
 * reflink (`COPYFILE_FICLONE_FORCE`: copy-on-write clone, btrfs/XFS/APFS), else
 * a copy (only across file systems, or where links are refused).
 *
 * Every blob is made read-only (0444). With a hardlink the source file IS the
 * blob, so this makes the user's file read-only too: an editor or tool that
 * tries to rewrite it in place is refused, and one that forces it is caught by
 * `verify()`. Tools that write a new file and rename it (most do) are not
 * affected: the store keeps the old inode. The file is stat'ed before hashing
 * and again once linked/cloned; if it changed in between, nothing is kept and
 * MS5108 is thrown.
 */
export async function ingestFile(layout: StoreLayout, file: string, options: IngestOptions = {}): Promise<IngestResult> {
  // link(2) does not follow symlinks: resolve first, or the blob would be the link.
  const source = await realpath(file);
  const known = options.writtenDigest ?? (options.knownDigest !== undefined ? { digest: options.knownDigest } : undefined);
  const { digest, size, stat: before } = known ? await asWritten(source, known) : await digestFile(source, options.statCache);
  checkExpected({ digest, size }, { digest: options.expectedDigest === undefined ? undefined : parseDigest(options.expectedDigest) }, source);

  const dest = layout.blobPath(digest);
  await pinBlob(layout, digest);
  // A consumed source is removed before the blob's check is recorded: unlinking a hardlink of the blob moves its ctime.
  const consume = () => (options.consume ? rm(source, { force: true }) : Promise.resolve());
  if (await refreshBlob(dest, size).catch(() => false)) {
    await consume();
    const blob = await stat(dest, { bigint: true });
    // Only the very file that was hashed (same inode, unchanged) is known to hold the digest's bytes.
    if (sameFileState(before, blob)) await options.blobChecks?.record(digest, blob);
    return { digest, size, method: blob.ino === before.ino && blob.dev === before.dev ? "hardlink" : "existing" };
  }

  let lastError: unknown;
  for (const method of options.methods ?? DEFAULT_INGEST_METHODS) {
    try {
      if (method === "copy") {
        const copied = await copyIn(layout, source, digest, size);
        await consume();
        if (copied.placed) await recordPlaced(options.blobChecks, dest, digest);
        return { digest, size, method: "copy" };
      }
      await placeByLinkOrClone(layout, method, source, before, digest);
      await consume();
      await recordPlaced(options.blobChecks, dest, digest, method === "hardlink" ? before : undefined);
      return { digest, size, method };
    } catch (err) {
      if (err instanceof ModelsmithError || !UNSUPPORTED.has(errnoCode(err) ?? "")) throw storeWriteError(`add ${source} to the store`, dest, err);
      lastError = err;
    }
  }
  throw storeWriteError(`add ${source} to the store (tried ${(options.methods ?? DEFAULT_INGEST_METHODS).join(", ")})`, dest, lastError);
}

/** The digest a file's writer computed (knownDigest, writtenDigest), once its size is the one written where that is known. */
async function asWritten(file: string, written: { digest: string; size?: number }): Promise<{ digest: Digest; size: number; stat: BigIntStats }> {
  const st = await stat(file, { bigint: true });
  if (written.size !== undefined && st.size !== BigInt(written.size)) throw changedWhileReading(file);
  return { digest: parseDigest(written.digest), size: Number(st.size), stat: st };
}

async function placeByLinkOrClone(layout: StoreLayout, method: "hardlink" | "reflink", source: string, before: BigIntStats, digest: Digest): Promise<void> {
  await mkdir(layout.blobsDir, { recursive: true });
  const tmp = await tempPath(layout, method);
  try {
    if (method === "hardlink") await link(source, tmp);
    else await copyFile(source, tmp, constants.COPYFILE_FICLONE_FORCE);
    await chmod(tmp, BLOB_MODE);
    const after = await stat(source, { bigint: true });
    if (!sameFileState(before, after)) {
      // A hardlink shares the mode with the user's file: give it back before failing.
      if (method === "hardlink") await chmod(tmp, Number(before.mode & 0o7777n)).catch(() => {});
      throw changedWhileReading(source);
    }
    await rename(tmp, layout.blobPath(digest));
    await syncDir(layout.blobsDir);
  } finally {
    await removeQuietly(tmp).catch(() => {});
  }
}

/**
 * Records a blob this ingest just placed (its bytes were checked against the
 * digest on the way in); a hardlink only while it is still the file as hashed.
 */
async function recordPlaced(checks: BlobChecks | undefined, dest: string, digest: Digest, hashed?: BigIntStats): Promise<void> {
  if (!checks) return;
  const st = await stat(dest, { bigint: true }).catch(() => undefined);
  if (st && (!hashed || sameFileState(hashed, st))) await checks.record(digest, st);
}

/** Copies the file in, checked against `digest`; `placed` is false when the store already held the blob. */
async function copyIn(layout: StoreLayout, source: string, digest: Digest, size: number): Promise<{ placed: boolean }> {
  // A copy that cannot fit is refused before it fills the disk.
  await mkdir(layout.tmpDir, { recursive: true }).catch(() => {});
  await ensureFreeSpace(layout.tmpDir, size, `copy ${source} into the store`);
  try {
    const { existed } = await putBlobFromStream(layout, createReadStream(source, { highWaterMark: 1 << 20 }), { expectedDigest: digest, expectedSize: size });
    return { placed: !existed };
  } catch (err) {
    // The bytes read now differ from the bytes hashed a moment ago: the file is being written.
    if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5104")) throw changedWhileReading(source);
    throw err;
  }
}
