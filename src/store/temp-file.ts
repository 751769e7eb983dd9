import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, error } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import { errnoCode, storeWriteError } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { pinBlob } from "./writer-lease.js";

/** Blobs are read-only: a program that opens one for writing is refused (and a hardlinked source with it). */
export const BLOB_MODE = 0o444;

/**
 * A fresh, unique path under `<root>/tmp/` (same file system as `blobs/`, so a
 * rename is atomic). Names are `<kind>-<pid>-<random>.tmp` (temp-names.ts):
 * `gc()` and the next writer remove it once that pid is dead.
 */
export async function tempPath(layout: StoreLayout, kind: string): Promise<string> {
  await mkdir(layout.tmpDir, { recursive: true });
  return path.join(layout.tmpDir, `${kind}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

export async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch((err: unknown) => {
    if (errnoCode(err) !== "ENOENT") throw err;
  });
}

/** Throws EnvironmentError MS5104 when what was written is not what was expected. */
export function checkExpected(actual: { digest: Digest; size: number }, expected: { digest?: Digest; size?: number }, source: string): void {
  if (expected.size !== undefined && actual.size !== expected.size) {
    throw new EnvironmentError(error("MS5104", `${source} is ${actual.size} bytes, expected ${expected.size}${expected.digest ? ` for ${expected.digest}` : ""}`));
  }
  if (expected.digest !== undefined && actual.digest !== expected.digest) {
    throw new EnvironmentError(error("MS5104", `${source} has digest ${actual.digest}, expected ${expected.digest}`));
  }
}

/**
 * Moves a complete, verified temp file to its blob path: made read-only, then
 * renamed over. When the blob is already there with the right size, the temp
 * file is dropped and the blob kept (it may be hardlinked to a user's file);
 * its ctime is refreshed so that a concurrent `gc()` treats it as new.
 * Returns whether the blob existed.
 */
export async function commitBlob(layout: StoreLayout, tmp: string, digest: Digest, size: number): Promise<boolean> {
  const dest = layout.blobPath(digest);
  try {
    // Pinned before it appears, so that a concurrent prune keeps it until our manifest refers to it.
    await pinBlob(layout, digest);
    await mkdir(layout.blobsDir, { recursive: true });
    if (await refreshBlob(dest, size)) {
      await removeQuietly(tmp);
      return true;
    }
    await chmod(tmp, BLOB_MODE);
    await rename(tmp, dest);
    await syncDir(layout.blobsDir);
    return false;
  } catch (err) {
    await removeQuietly(tmp).catch(() => {});
    throw storeWriteError(`store blob ${digest}`, dest, err);
  }
}

/**
 * True when `blob` exists with `size` bytes; then chmod it (a no-op on the
 * mode that moves its ctime to now, the age `gc()` goes by).
 */
export async function refreshBlob(blob: string, size: number): Promise<boolean> {
  const st = await stat(blob).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  });
  if (!st || !st.isFile() || st.size !== size) return false;
  await chmod(blob, BLOB_MODE);
  return true;
}

/** fsync a directory so a rename in it survives a crash (best effort: not every platform allows it). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle.close();
  }
}
