import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink, utimes, type FileHandle } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvironmentError, error } from "../diagnostics/index.js";
import { onInterruptCleanup } from "../fsutil/interrupt-cleanup.js";
import { errnoCode, storeWriteError } from "./io-error.js";

/**
 * The store-wide lock: a file created with O_CREAT|O_EXCL (`open(…, "wx")`),
 * which exactly one process can win on any local file system. It holds
 *
 *     {"pid":1234,"host":"build-box","token":"<random hex>","acquiredAt":1700000000000}
 *
 * Who takes it: manifest writes and removals, and `gc()` (so a sweep never runs
 * between another process's check that its blobs exist and its manifest
 * write). Blob writes do not need it (temp file + rename of identical bytes).
 *
 * Waiting: a busy lock is polled every `pollMs` (plus jitter) until
 * `timeoutMs`, then EnvironmentError MS5107 names the holder.
 *
 * Staleness: a lock is stale when its holder is on this host and its pid is
 * gone (`kill(pid, 0)` says ESRCH), when it names no holder 2 s after it was
 * made (a creator killed between create and write; a write that fails, as on
 * a full disk, removes its own file), or when the file's mtime is older than
 * `staleMs` (the holder touches it every staleMs/3 while it holds it, so only a
 * lock whose holder died, or that lives on another host, gets that old). A stale
 * lock is removed under a second lock file, `<lock>.break`, re-checked first
 * so two waiters cannot both remove it and then both believe they won.
 * Release removes the file only if it still holds our token.
 *
 * Re-entrant within one async call chain (AsyncLocalStorage): a function that
 * holds the lock may call another that takes it.
 */
export interface LockOptions {
  /** How long to wait for a busy lock; default 60 s. */
  timeoutMs?: number;
  /** Age after which a lock is stale whoever holds it; default 5 min. */
  staleMs?: number;
  /** Poll interval; default 50 ms. */
  pollMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  acquiredAt: number;
}

const held = new AsyncLocalStorage<Set<string>>();

export async function withStoreLock<T>(lockFile: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const file = path.resolve(lockFile);
  const mine = held.getStore();
  if (mine?.has(file)) return fn();
  const staleMs = options.staleMs ?? 5 * 60_000;
  const token = await acquire(file, { timeoutMs: options.timeoutMs ?? 60_000, staleMs, pollMs: options.pollMs ?? 50 }).catch((err: unknown) => {
    throw storeWriteError("lock the store", file, err);
  });
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, Math.max(1000, Math.floor(staleMs / 3)));
  heartbeat.unref();
  const releaseOnInterrupt = onInterruptCleanup(() => releaseSync(file, token));
  try {
    return await held.run(new Set([...(mine ?? []), file]), fn);
  } finally {
    releaseOnInterrupt();
    clearInterval(heartbeat);
    await release(file, token);
  }
}

async function acquire(file: string, o: Required<LockOptions>): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const token = randomBytes(8).toString("hex");
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (await tryCreate(file, JSON.stringify({ pid: process.pid, host: hostname(), token, acquiredAt: Date.now() } satisfies Holder))) return token;
    const holder = await readHolder(file);
    if (holder && (await isStale(holder.holder, holder.mtimeMs, o.staleMs))) {
      await breakStale(file, holder.holder, o.staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder?.holder ? `process ${holder.holder.pid} on ${holder.holder.host}` : "another process";
      throw new EnvironmentError(error("MS5107", `the store is locked by ${who} (waited ${Math.round(o.timeoutMs / 1000)} s)`, { file, hint: "wait for the other modelsmith command to finish, or remove the lock file if no modelsmith process is running" }));
    }
    await sleep(o.pollMs + Math.floor(Math.random() * o.pollMs));
  }
}

/**
 * Creates `file` holding `content`, or false when it exists. A lock that
 * cannot be written whole (a full disk) is removed again: an empty lock
 * names no holder, and would block every other command until it turned stale.
 */
async function tryCreate(file: string, content: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, "wx", 0o644);
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return false;
    throw err;
  }
  const undo = onInterruptCleanup(() => rmSync(file, { force: true }));
  try {
    await handle.writeFile(content);
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(file).catch(() => {});
    throw err;
  } finally {
    undo();
  }
  return true;
}

/** The lock's holder and mtime; holder undefined while its creator has not written it yet; undefined when there is no lock. */
async function readHolder(file: string): Promise<{ holder: Holder | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    let holder: Holder | undefined;
    try {
      const h = JSON.parse(text) as Partial<Holder>;
      if (typeof h.pid === "number" && typeof h.host === "string" && typeof h.token === "string") holder = h as Holder;
    } catch {
      holder = undefined;
    }
    return { holder, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

/** How long a lock file may stay without a readable holder (its creator writes it at once; an older one was left by a crash). */
const UNWRITTEN_MS = 2000;

async function isStale(holder: Holder | undefined, mtimeMs: number, staleMs: number): Promise<boolean> {
  if (Date.now() - mtimeMs > staleMs) return true;
  if (holder === undefined) return Date.now() - mtimeMs > UNWRITTEN_MS;
  return holder !== undefined && holder.host === hostname() && !pidAlive(holder.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

async function breakStale(file: string, judged: Holder | undefined, staleMs: number): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await tryCreate(breaker, String(process.pid)))) {
    // Another waiter is breaking it; a breaker that died leaves a file that turns stale too.
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > staleMs) await unlink(breaker).catch(() => {});
    await sleep(10);
    return;
  }
  try {
    const now = await readHolder(file);
    // Remove only the lock we judged stale, not one a faster waiter has taken since.
    if (now && now.holder?.token === judged?.token && (await isStale(now.holder, now.mtimeMs, staleMs))) await unlink(file).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

function releaseSync(file: string, token: string): void {
  try {
    if ((JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>).token === token) rmSync(file, { force: true });
  } catch {
    // not ours, or gone
  }
}

async function release(file: string, token: string): Promise<void> {
  const now = await readHolder(file).catch(() => undefined);
  if (now?.holder?.token === token) await unlink(file).catch(() => {});
}
