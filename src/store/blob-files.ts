import { lstat, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { digestFromBlobFileName, type Digest } from "./digest.js";
import { errnoCode } from "./io-error.js";
import type { StoreLayout } from "./layout.js";

export interface BlobFile {
  digest: Digest;
  path: string;
  size: number;
  /** Hard links to the inode; more than 1 when the blob shares it with a file outside the store. */
  nlink: number;
  /** When the blob last entered the store or was reused: max(ctime, mtime), ms since the epoch. */
  touchedMs: number;
}

/**
 * The blobs under `blobs/`, sorted by digest: only files named `sha256-<64 hex>`.
 * Other files there (Ollama's `-partial` downloads, stray files) are not
 * modelsmith's to count or delete and are skipped.
 */
export async function listBlobFiles(layout: StoreLayout): Promise<BlobFile[]> {
  const names = await readdir(layout.blobsDir).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return [] as string[];
    throw err;
  });
  const blobs: BlobFile[] = [];
  for (const name of names.sort()) {
    const digest = digestFromBlobFileName(name);
    if (!digest) continue;
    const p = path.join(layout.blobsDir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    blobs.push({ digest, path: p, size: st.size, nlink: st.nlink, touchedMs: Math.max(st.ctimeMs, st.mtimeMs) });
  }
  return blobs;
}

/**
 * Regular files under `tmp/`, with size and mtime. Symlinks are not
 * followed: none when tmp/ itself is a symlink, and a symlink in it is not a file.
 */
export async function listTempFiles(layout: StoreLayout): Promise<Array<{ path: string; name: string; size: number; mtimeMs: number }>> {
  const dir = await lstat(layout.tmpDir).catch(() => undefined);
  if (!dir?.isDirectory()) return [];
  const names = await readdir(layout.tmpDir).catch(() => [] as string[]);
  const out: Array<{ path: string; name: string; size: number; mtimeMs: number }> = [];
  for (const name of names.sort()) {
    const p = path.join(layout.tmpDir, name);
    const st = await lstat(p).catch(() => undefined);
    // A directory of ours is a laid-out checkpoint (`.dir`): symlinks only, removed whole.
    if (st?.isFile() || (st?.isDirectory() && name.endsWith(".dir"))) out.push({ path: p, name, size: st.isFile() ? st.size : 0, mtimeMs: st.mtimeMs });
  }
  return out;
}
