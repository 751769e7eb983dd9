import type { BigIntStats } from "node:fs";
import { stat } from "node:fs/promises";
import { warning, type Diagnostic } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import { hashFile } from "./hash-file.js";
import { errnoCode } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { hasStringFields, readCacheEntries, writeCacheEntries } from "./json-cache.js";

/**
 * The cheap integrity check a build runs on every blob it relies on, instead
 * of re-hashing gigabytes on each build:
 *
 * 1. the blob must exist, and have the size the manifest or step record says
 *    (always checked: one stat);
 * 2. its content is re-hashed only when its stat no longer equals the one
 *    recorded the last time its content was known to match its digest (when
 *    the store placed it, or when this check last hashed it): inode, size,
 *    mtime and ctime, to the nanosecond. An in-place write moves mtime and
 *    ctime; a chmod (needed first: blobs are 0444) moves ctime; so does a tool
 *    that writes and then restores the old mtime (`cp -p`, `touch -r`).
 *
 * Records live in `<root>/cache/blob-checks.json` (JSON; big integers as
 * decimal strings), keyed by digest:
 *
 *     {"version":1,"entries":{"sha256:…":{"ino":"…","size":"…","mtimeNs":"…","ctimeNs":"…"}}}
 *
 * Limits (`verify` re-hashes everything and has none of them): a write in the
 * same clock tick as the recorded stat (a few ms, and only by a process that
 * made the blob writable in that tick too) is not seen; a store whose file
 * system reports no ctime change on write is trusted on mtime and size.
 * Saving merges with the file on disk and renames over it: two processes
 * saving at once may lose a record, which costs one re-hash, never a wrong
 * answer. The store itself refreshes a blob's ctime when it reuses it (gc's
 * age): that costs one re-hash on the next check.
 */
export type BlobCondition =
  | { status: "ok"; hashed: boolean }
  | { status: "missing" }
  | { status: "corrupt"; reason: "size"; size: number; expectedSize: number; ino: bigint }
  | { status: "corrupt"; reason: "digest"; actual: Digest; size: number; ino: bigint };

interface Entry {
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

const MAX_ENTRIES = 65536;

export class BlobChecks {
  private entries: Map<string, Entry> | undefined;

  constructor(readonly file: string) {}

  /** Checks the blob of `digest` (see above); `expectedSize` when a manifest or record declares one. */
  async check(layout: StoreLayout, digest: Digest, expectedSize?: number): Promise<BlobCondition> {
    const file = layout.blobPath(digest);
    const before = await stat(file, { bigint: true }).catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    });
    if (!before || !before.isFile()) return { status: "missing" };
    if (expectedSize !== undefined && before.size !== BigInt(expectedSize)) return { status: "corrupt", reason: "size", size: Number(before.size), expectedSize, ino: before.ino };
    const e = (await this.load()).get(digest);
    if (e && sameEntry(e, entryOf(before))) return { status: "ok", hashed: false };
    const { digest: actual, size } = await hashFile(file);
    if (actual !== digest) return { status: "corrupt", reason: "digest", actual, size, ino: before.ino };
    const after = await stat(file, { bigint: true }).catch(() => undefined);
    // Record only a state that held from before hashing to after it.
    if (after && sameEntry(entryOf(before), entryOf(after))) await this.record(digest, after);
    return { status: "ok", hashed: true };
  }

  /** Records that the blob of `digest`, as `st` describes it, holds exactly the bytes of its digest. */
  async record(digest: Digest, st: BigIntStats): Promise<void> {
    const merged = await readCacheEntries(this.file, isEntry);
    merged.delete(digest);
    merged.set(digest, entryOf(st));
    this.entries = new Map([...merged].slice(-MAX_ENTRIES));
    await writeCacheEntries(this.file, this.entries);
  }

  private async load(): Promise<Map<string, Entry>> {
    this.entries ??= await readCacheEntries(this.file, isEntry);
    return this.entries;
  }
}

/** Warning MS5111 for a corrupt blob the store removed so that it is made again. */
export function corruptBlobWarning(digest: Digest, c: Extract<BlobCondition, { status: "corrupt" }>, file: string): Diagnostic {
  const why = c.reason === "size" ? `it is ${c.size} bytes, not ${c.expectedSize}` : `its content hashes to ${c.actual}`;
  return warning("MS5111", `blob ${digest} was corrupt (${why}); removed it and made it again`, {
    file,
    hint: "something wrote into the store (a disk fault, or a hardlinked model file edited in place); `modelsmith verify` checks every blob",
  });
}

function entryOf(st: BigIntStats): Entry {
  return { ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

const isEntry = hasStringFields<Entry>(["ino", "size", "mtimeNs", "ctimeNs"]);
