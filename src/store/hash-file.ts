import { createHash } from "node:crypto";
import { createReadStream, type BigIntStats } from "node:fs";
import { stat } from "node:fs/promises";
import { EnvironmentError, error } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import type { StatCache } from "./stat-cache.js";

/** sha256 and length of a file's bytes, streamed in 1 MiB reads. */
export async function hashFile(file: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

export interface FileDigest {
  digest: Digest;
  size: number;
  /** The file's stat before hashing; the bytes hashed are the bytes it describes. */
  stat: BigIntStats;
  /** True when the digest came from the stat cache instead of reading the file. */
  cached: boolean;
}

/**
 * The digest of `file`, from `cache` when its size, mtime and inode are the
 * ones recorded, else by hashing it (and recording the result). The file is
 * stat'ed before and after hashing; a file that changed meanwhile (still being
 * written) throws EnvironmentError MS5108 rather than return a digest of bytes
 * that no longer exist.
 */
export async function digestFile(file: string, cache?: StatCache): Promise<FileDigest> {
  const before = await stat(file, { bigint: true });
  const hit = cache ? await cache.lookup(file, before) : undefined;
  if (hit) return { digest: hit, size: Number(before.size), stat: before, cached: true };
  const hashedAtNs = BigInt(Date.now()) * 1_000_000n;
  const { digest, size } = await hashFile(file);
  const after = await stat(file, { bigint: true });
  if (!sameFileState(before, after) || BigInt(size) !== before.size) throw changedWhileReading(file);
  if (cache) await cache.record(file, before, digest, hashedAtNs);
  return { digest, size, stat: before, cached: false };
}

/** Same inode, size and mtime: the heuristic git and make use for "unchanged". */
export function sameFileState(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

export function changedWhileReading(file: string): EnvironmentError {
  return new EnvironmentError(error("MS5108", `${file} changed while it was being added to the store`, { file, hint: "wait until the file is completely written, then build again" }));
}
