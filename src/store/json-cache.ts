import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { rmSync } from "node:fs";
import { onInterruptCleanup } from "../fsutil/interrupt-cleanup.js";
import { removeQuietly } from "./temp-file.js";

/**
 * The small JSON caches under `<root>/cache/` (stat digests, blob checks):
 *
 *     {"version":1,"entries":{"<key>":{…}}}
 *
 * Only a cache: a missing, unreadable or foreign file reads as empty, and an
 * entry that fails `isEntry` is dropped. Writing replaces the file atomically
 * (temp file, then rename), so a reader never sees half a file.
 */
export async function readCacheEntries<E>(file: string, isEntry: (e: unknown) => e is E): Promise<Map<string, E>> {
  try {
    const data = JSON.parse(await readFile(file, "utf8")) as { version?: unknown; entries?: unknown };
    if (data.version !== 1 || typeof data.entries !== "object" || data.entries === null) return new Map();
    return new Map(Object.entries(data.entries as Record<string, unknown>).filter((kv): kv is [string, E] => isEntry(kv[1])));
  } catch {
    return new Map();
  }
}

export async function writeCacheEntries<E>(file: string, entries: ReadonlyMap<string, E>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const untrack = onInterruptCleanup(() => rmSync(tmp, { force: true }));
  try {
    await writeFile(tmp, JSON.stringify({ version: 1, entries: Object.fromEntries(entries) }) + "\n", { flag: "wx" });
    await rename(tmp, file);
  } finally {
    untrack();
    await removeQuietly(tmp).catch(() => {});
  }
}

/** A guard for entries whose listed fields are all strings. */
export const hasStringFields =
  <E>(fields: readonly (keyof E & string)[]) =>
  (e: unknown): e is E => {
    const o = e as Record<string, unknown> | null;
    return typeof o === "object" && o !== null && fields.every((k) => typeof o[k] === "string");
  };
