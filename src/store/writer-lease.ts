import { readdirSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { appendFile, lstat, mkdir, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { onInterruptCleanup } from "../fsutil/interrupt-cleanup.js";
import type { Digest } from "./digest.js";
import { errnoCode } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { pidAlive } from "./lock.js";
import { classifyTempName } from "./temp-names.js";

/**
 * Writer leases: how a live build (or pull) keeps `prune` off the blobs it
 * uses before its manifest refers to them, and off its temp files.
 *
 * A process that writes to a store, or checks a blob it is about to rely on,
 * first appends the blob's digest to its lease, `<root>/writers/<pid>.lease`
 * (one digest a line), then writes or checks the blob. `gc()` (under the store
 * lock) keeps every blob named in the lease of a live process other than its
 * own, whatever `--grace` says; a lease whose pid is dead is removed.
 * Temp files carry their owner's pid in their name (temp-names.ts) and are
 * kept while it lives.
 *
 * The first lease a process takes in a store also removes the temp files of
 * dead processes there (a killed build's partial quantization, up to the size
 * of a model), so the next build frees that space rather than an hour later.
 * On exit, and on an interrupt, the process removes its lease and its own
 * temp files (interrupt-cleanup.ts).
 *
 * Best effort: a lease that cannot be written (a full disk) does not stop the
 * write it was for; the blob is then protected only by the grace period.
 */
interface Lease {
  file: string;
  pinned: Set<string>;
  chain: Promise<void>;
}

const leases = new Map<string, Lease>();
const storesToClean = new Set<StoreLayout>();

/** Appends `digest` to this process's lease in the store (created on first use). */
export function pinBlob(layout: StoreLayout, digest: Digest): Promise<void> {
  let lease = leases.get(layout.root);
  if (!lease) {
    const file = path.join(layout.writersDir, `${process.pid}.lease`);
    lease = { file, pinned: new Set(), chain: startLease(layout, file) };
    leases.set(layout.root, lease);
  }
  if (lease.pinned.has(digest)) return lease.chain;
  lease.pinned.add(digest);
  const l = lease;
  l.chain = l.chain.then(() => appendFile(l.file, `${digest}\n`).catch(() => {}));
  return l.chain;
}

async function startLease(layout: StoreLayout, file: string): Promise<void> {
  cleanUpAtExit(layout);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    // A lease left by an earlier process with our pid (pids are reused) is not ours: start afresh.
    await writeFile(file, "");
  } catch {
    return;
  }
  await removeDeadTemps(layout).catch(() => {});
}

/**
 * Removes the temp files and leases of processes that are gone (not this
 * one's); resumable downloads stay. Returns the files removed.
 */
export async function removeDeadTemps(layout: StoreLayout): Promise<string[]> {
  const removed: string[] = [];
  for (const { path: p, pid } of await ownedTemps(layout)) {
    if (pid === process.pid || pidAlive(pid)) continue;
    // A laid-out checkpoint (`.dir`) is a directory of symlinks: removed whole.
    if (await (p.endsWith(".dir") ? rm(p, { recursive: true }) : unlink(p)).then(() => true, () => false)) removed.push(p);
  }
  for (const { file, pid } of await listLeases(layout)) {
    if (pid !== process.pid && !pidAlive(pid)) await unlink(file).catch(() => {});
  }
  return removed;
}

/** Temp files under tmp/ that carry an owner pid; none when tmp/ is not a plain directory (a symlink is not followed). */
async function ownedTemps(layout: StoreLayout): Promise<Array<{ path: string; pid: number }>> {
  if (!(await isPlainDir(layout.tmpDir))) return [];
  const out: Array<{ path: string; pid: number }> = [];
  for (const name of await readdir(layout.tmpDir).catch(() => [] as string[])) {
    const t = classifyTempName(name);
    if (t?.kind === "owned") out.push({ path: path.join(layout.tmpDir, name), pid: t.pid });
  }
  return out;
}

export async function isPlainDir(dir: string): Promise<boolean> {
  const st = await lstat(dir).catch(() => undefined);
  return st !== undefined && st.isDirectory();
}

/** The leases in the store, with their pids. */
export async function listLeases(layout: StoreLayout): Promise<Array<{ file: string; pid: number }>> {
  const names = await readdir(layout.writersDir).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return [] as string[];
    throw err;
  });
  return names.flatMap((name) => {
    const m = /^(\d+)\.lease$/.exec(name);
    return m ? [{ file: path.join(layout.writersDir, name), pid: Number(m[1]) }] : [];
  });
}

/** The blobs other live processes have pinned (gc keeps them); leases of dead processes are removed. */
export async function pinnedByOthers(layout: StoreLayout): Promise<Set<string>> {
  const pinned = new Set<string>();
  for (const { file, pid } of await listLeases(layout)) {
    if (pid === process.pid) continue;
    if (!pidAlive(pid)) {
      await unlink(file).catch(() => {});
      continue;
    }
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n")) if (line !== "") pinned.add(line);
  }
  return pinned;
}

/** Registers `layout` so that this process's temp files and lease there are removed on exit and on interrupt. Synchronous, no IO. */
export function cleanUpAtExit(layout: StoreLayout): void {
  if ([...storesToClean].some((l) => l.root === layout.root)) return;
  storesToClean.add(layout);
  if (storesToClean.size === 1) {
    onInterruptCleanup(removeOwnFilesSync);
    process.on("exit", removeOwnFilesSync);
  }
}

function removeOwnFilesSync(): void {
  for (const layout of storesToClean) {
    let names: string[] = [];
    try {
      names = readdirSync(layout.tmpDir);
    } catch {
      // no tmp/
    }
    for (const name of names) {
      const t = classifyTempName(name);
      if (t?.kind === "owned" && t.pid === process.pid) tryUnlink(path.join(layout.tmpDir, name));
    }
    tryUnlink(path.join(layout.writersDir, `${process.pid}.lease`));
    try {
      rmdirSync(layout.writersDir);
    } catch {
      // other leases in it, or gone
    }
  }
  leases.clear();
}

function tryUnlink(file: string): void {
  try {
    if (file.endsWith(".dir")) rmSync(file, { recursive: true, force: true });
    else unlinkSync(file);
  } catch {
    // gone already
  }
}

