import type { BigIntStats } from "node:fs";
import path from "node:path";
import { tryParseDigest, type Digest } from "./digest.js";
import { hasStringFields, readCacheEntries, writeCacheEntries } from "./json-cache.js";

/**
 * Digests of files outside the store, keyed by what `stat` says about them, so
 * that an unchanged multi-GB GGUF is hashed once, not on every build.
 *
 * File format (`<root>/cache/stat-digests.json`, JSON; big integers as decimal
 * strings):
 *
 *     {"version":1,"entries":{"/abs/path/model.gguf":
 *        {"size":"4920734016","mtimeNs":"…","ino":"…","hashedAtNs":"…","digest":"sha256:…"}}}
 *
 * An entry is used only when the file's absolute path, size, mtime (ns) and
 * inode all equal the recorded ones, and when its mtime was at least
 * `RACY_WINDOW_NS` older than the moment hashing began: a file written in the
 * same clock tick as it was hashed could change again without its mtime moving
 * (git's "racy clean" problem), so such an entry is re-hashed next time.
 * Saving merges with what is on disk and replaces the file atomically; two
 * processes saving at once may lose an entry, which costs one re-hash, never a
 * wrong digest. At most `MAX_ENTRIES` are kept, the most recently hashed.
 */
export const RACY_WINDOW_NS = 2_000_000_000n;
const MAX_ENTRIES = 4096;

interface Entry {
  size: string;
  mtimeNs: string;
  ino: string;
  hashedAtNs: string;
  digest: string;
}

export class StatCache {
  private entries: Map<string, Entry> | undefined;

  constructor(readonly file: string) {}

  /** The recorded digest of `file` when `st` shows it unchanged since it was hashed. */
  async lookup(file: string, st: BigIntStats): Promise<Digest | undefined> {
    const entries = await this.load();
    const e = entries.get(path.resolve(file));
    if (!e || e.size !== String(st.size) || e.mtimeNs !== String(st.mtimeNs) || e.ino !== String(st.ino)) return undefined;
    if (st.mtimeNs + RACY_WINDOW_NS > BigInt(e.hashedAtNs)) return undefined;
    return tryParseDigest(e.digest);
  }

  /** Records that `file`, as `st` describes it, hashed to `digest` (hashing began at `hashedAtNs`). */
  async record(file: string, st: BigIntStats, digest: Digest, hashedAtNs: bigint): Promise<void> {
    const key = path.resolve(file);
    const entry: Entry = { size: String(st.size), mtimeNs: String(st.mtimeNs), ino: String(st.ino), hashedAtNs: String(hashedAtNs), digest };
    const merged = await readCacheEntries(this.file, isEntry);
    merged.set(key, entry);
    const kept = [...merged].sort((a, b) => (BigInt(b[1].hashedAtNs) > BigInt(a[1].hashedAtNs) ? 1 : -1)).slice(0, MAX_ENTRIES);
    kept.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    this.entries = new Map(kept);
    await this.save();
  }

  private async load(): Promise<Map<string, Entry>> {
    this.entries ??= await readCacheEntries(this.file, isEntry);
    return this.entries;
  }

  private async save(): Promise<void> {
    await writeCacheEntries(this.file, this.entries ?? new Map());
  }
}

const isEntry = hasStringFields<Entry>(["size", "mtimeNs", "ino", "hashedAtNs", "digest"]);
