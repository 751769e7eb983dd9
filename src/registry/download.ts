import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError, ModelsmithError } from "../diagnostics/errors.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Store } from "../store/store.js";
import { ensureFreeSpace } from "../store/free-space.js";
import { bodyChunks, fetchWithDeadline, HttpTimeout, httpLimits, isTransientStatus, timedOut, transient, withRetries, type HttpLimits } from "./http.js";
import { storeWriteError } from "../store/io-error.js";
import { PrefixHasher } from "./prefix-hash.js";

export interface DownloadOptions {
  url: string;
  /** Sent with every request (e.g. Authorization); fetch drops Authorization on a redirect to another origin. */
  headers?: Record<string, string>;
  /** The blob must hash to this: it is verified before it enters the store. */
  digest: Sha256Digest;
  /** Its size, when the caller knows it (a manifest says it); else the server's Content-Length. */
  size?: number;
  store: Store;
  /** Ranges fetched at once (default 4); 1 downloads in one stream. */
  parallel?: number;
  /** Bytes per range request (default 16 MiB). */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Names the download in errors, e.g. the reference. */
  what?: string;
  /** Timeouts and retries (http.ts); default from the environment. */
  limits?: HttpLimits;
}

const DEFAULT_CHUNK = 16 * 1024 * 1024;

/** What a partial download has: the chunks done, for the same blob and size. */
interface PartState {
  digest: string;
  size: number;
  chunkSize: number;
  done: number[];
  /** Bytes already written at the start of chunks not yet done (a dropped connection keeps them). */
  partial?: Record<string, number>;
}

/**
 * Downloads a blob into the store, verified. Resumable: the bytes go to
 * `tmp/download-<hex>.part`, preallocated, in chunks fetched with HTTP range
 * requests, up to `parallel` at once; `download-<hex>.json` records the
 * chunks done, so an interrupted download (a killed process, a dropped
 * connection) continues where it stopped. A server without range support gets
 * one plain GET. The file is hashed while it arrives (PrefixHasher: each
 * chunk once the ones before it are done), and ingested under `digest`
 * (hardlinked into blobs/) without a second pass; a mismatch removes the partial file and is
 * EnvironmentError MS5602, so nothing unverified ever enters the store. A
 * blob already in the store is not downloaded again.
 *
 * Limits (http.ts): a server that does not answer, or stops sending, is
 * MS5695 after its timeout; a chunk whose connection drops or stalls is asked
 * for again from where it stopped, with backoff. A blob larger than the free
 * space is MS5109 before anything is written; a full disk while writing is
 * MS5109 too, and removes the preallocated part.
 */
export async function downloadBlob(o: DownloadOptions): Promise<{ digest: Sha256Digest; size: number }> {
  const what = o.what ?? o.url;
  const limits = o.limits ?? httpLimits();
  const existing = await o.store.checkBlob(o.digest, o.size);
  if (existing.status === "ok") return { digest: o.digest, size: (await stat(o.store.blobPath(o.digest))).size };
  const hex = o.digest.slice("sha256:".length);
  const dir = o.store.layout.tmpDir;
  await mkdir(dir, { recursive: true });
  const part = path.join(dir, `download-${hex}.part`);
  const stateFile = path.join(dir, `download-${hex}.json`);
  const size = o.size ?? (await probeSize(o, what));
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
  let state = await readState(stateFile, o.digest, size, chunkSize, part);
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  // Refused before a byte is written when it cannot fit (a hostile manifest may claim any size).
  const have = state ? state.done.reduce((n, i) => n + chunkLength(i, size, chunkSize), 0) : 0;
  await ensureFreeSpace(dir, size - have, `download ${what}`);
  const fh = await open(part, state ? "r+" : "w+").then(
    (h) => Object.assign(h, { file: part }),
    (err: unknown) => {
      throw storeWriteError(`download ${what}`, part, err);
    },
  );
  let hasher: PrefixHasher | undefined;
  let hashed: Sha256Digest | undefined;
  try {
    if (!state) {
      await fh.truncate(size).catch((err: unknown) => {
        throw storeWriteError(`download ${what}`, part, err);
      });
      state = { digest: o.digest, size, chunkSize, done: [] };
      await saveState(stateFile, state);
    }
    const base = state;
    const done = new Set(base.done);
    const partial = new Map<number, number>(Object.entries(base.partial ?? {}).map(([k, v]) => [Number(k), v]));
    for (const i of done) partial.delete(i);
    const snapshot = (): PartState => ({ ...base, done: [...done].sort((a, b) => a - b), partial: Object.fromEntries([...partial].filter(([, n]) => n > 0)) });
    let bytesDone = [...done].reduce((n, i) => n + chunkLength(i, size, chunkSize), 0) + [...partial.values()].reduce((a, b) => a + b, 0);
    o.onProgress?.(bytesDone, size);
    const todo = Array.from({ length: chunks }, (_, i) => i).filter((i) => !done.has(i));
    hasher = new PrefixHasher(fh, size, chunkSize, (i) => done.has(i));
    hasher.advance();
    let saving = Promise.resolve();
    const markDone = (i: number) => {
      done.add(i);
      partial.delete(i);
      hasher?.advance();
      const snap = snapshot();
      saving = saving.then(() => saveState(stateFile, snap));
    };
    // One failed request stops the others, so that the file is not closed under them.
    const stop = new AbortController();
    const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
    const wrote = (i: number) => (n: number) => {
      partial.set(i, (partial.get(i) ?? 0) + n);
      bytesDone += n;
      o.onProgress?.(bytesDone, size);
    };
    let ranges = true;
    const worker = async () => {
      while (ranges && todo.length > 0 && !signal.aborted) {
        const i = todo.shift()!;
        // A chunk whose connection drops or stalls is asked for again from where it stopped (http.ts: retries, backoff).
        const finished = await withRetries(
          limits,
          async () => {
            const start = i * chunkSize + (partial.get(i) ?? 0);
            const end = i * chunkSize + chunkLength(i, size, chunkSize) - 1;
            const res = await get(o, what, size === 0 ? {} : { Range: `bytes=${start}-${end}` }, "GET", signal);
            if (res.status === 200 && (start !== 0 || end !== size - 1)) {
              // No range support: one plain GET below, from the start.
              await res.body?.cancel();
              ranges = false;
              return false;
            }
            await writeBody(res, fh, start, end - start + 1, what, wrote(i), signal, limits.idleMs);
            return true;
          },
          signal,
        );
        if (!finished) return;
        markDone(i);
      }
    };
    let failure: { reason: unknown } | undefined;
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, o.parallel ?? 4), Math.max(1, todo.length)) }, () =>
        worker().catch((reason: unknown) => {
          failure ??= { reason };
          stop.abort();
        }),
      ),
    );
    if (failure) {
      await hasher.stop();
      if (isDiskError(failure.reason)) {
        // The disk is full: a preallocated part as large as the blob would only keep it full.
        await fh.close().catch(() => {});
        await rm(part, { force: true });
        await rm(stateFile, { force: true });
        throw failure.reason;
      }
      // Keep what arrived, chunk by chunk and within chunks, for the next run.
      const snap = snapshot();
      await saving;
      await fh.sync().catch(() => undefined);
      await saveState(stateFile, snap);
      throw o.signal?.aborted ? o.signal.reason : failure.reason;
    }
    if (!ranges) {
      // The whole body again from byte 0: what was hashed may be rewritten, so ingest hashes the file itself.
      await hasher.stop();
      partial.clear();
      bytesDone = 0;
      const res = await get(o, what, {}, "GET", o.signal);
      await writeBody(res, fh, 0, size, what, (n) => o.onProgress?.((bytesDone += n), size), o.signal, limits.idleMs).catch(async (err: unknown) => {
        if (isDiskError(err)) {
          await fh.close().catch(() => {});
          await rm(part, { force: true });
          await rm(stateFile, { force: true });
        }
        throw err;
      });
      for (let i = 0; i < chunks; i++) if (!done.has(i)) markDone(i);
    }
    await saving;
    hashed = await hasher.digest();
    await fh.sync();
  } finally {
    await hasher?.stop();
    await fh.close();
  }
  try {
    await o.store.ingestFile(part, { expectedDigest: o.digest, consume: true, ...(hashed ? { knownDigest: hashed } : {}) });
  } catch (err) {
    if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5104")) {
      await rm(part, { force: true });
      await rm(stateFile, { force: true });
      throw new EnvironmentError(error("MS5602", `the bytes downloaded for ${what} do not match ${o.digest}: nothing was stored`, { hint: "the server sent other bytes than the pin names: check the reference, or run again to download afresh" }), { cause: err });
    }
    throw err;
  }
  await rm(part, { force: true });
  await rm(stateFile, { force: true });
  return { digest: o.digest, size };
}

function chunkLength(i: number, size: number, chunkSize: number): number {
  return Math.max(0, Math.min(chunkSize, size - i * chunkSize));
}

async function readState(file: string, digest: string, size: number, chunkSize: number, part: string): Promise<PartState | undefined> {
  try {
    const s = JSON.parse(await readFile(file, "utf8")) as PartState;
    const p = await stat(part);
    if (s.digest === digest && s.size === size && s.chunkSize === chunkSize && p.size === size && Array.isArray(s.done)) return s;
  } catch {
    // no usable partial download: start afresh
  }
  return undefined;
}

async function saveState(file: string, s: PartState): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(s));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw storeWriteError("save the download's progress", file, err);
  }
}

/** A full disk or another failed write of ours (MS5109), not the network's. */
function isDiskError(err: unknown): boolean {
  return err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5109");
}

async function probeSize(o: DownloadOptions, what: string): Promise<number> {
  const res = await get(o, what, {}, "HEAD");
  const n = Number(res.headers.get("content-length"));
  if (!Number.isSafeInteger(n) || n < 0) throw new EnvironmentError(error("MS5601", `${what}: the server did not say how large the file is`, { hint: "pin the digest and size, or use a server that sends Content-Length" }));
  return n;
}

/** A GET (or HEAD) that answered 200 or 206; anything else is EnvironmentError MS5211 with the status. */
async function get(o: DownloadOptions, what: string, extra: Record<string, string>, method = "GET", signal = o.signal): Promise<Response> {
  let res: Response;
  const host = new URL(o.url).host;
  try {
    res = await fetchWithDeadline(o.url, { method, headers: { ...o.headers, ...extra }, redirect: "follow", ...(signal ? { signal } : {}) }, o.limits ?? httpLimits());
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof HttpTimeout) throw timedOut(host, what, err);
    throw transient(new EnvironmentError(error("MS5601", `cannot download ${what}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { hint: "check the network, then run again: the download resumes" }), { cause: err }));
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    const failed = new EnvironmentError(error("MS5601", `cannot download ${what}: the server answered ${res.status} ${res.statusText}`, { hint: res.status === 401 || res.status === 403 ? "the server wants credentials" : "check the reference; run again to resume" }));
    throw isTransientStatus(res.status) ? transient(failed) : failed;
  }
  return res;
}

/**
 * Writes a response body at `offset`; it must be exactly `length` bytes.
 * `wrote` hears of every piece written. A connection that breaks off is
 * EnvironmentError MS5601 (fetch's own error would be a stack trace).
 */
async function writeBody(res: Response, fh: import("node:fs/promises").FileHandle & { file?: string }, offset: number, length: number, what: string, wrote?: (n: number) => void, signal?: AbortSignal, idleMs = httpLimits().idleMs): Promise<void> {
  let pos = offset;
  try {
    if (res.body) {
      for await (const chunk of bodyChunks(res, idleMs)) {
        if (pos + chunk.length > offset + length) throw new EnvironmentError(error("MS5601", `cannot download ${what}: the server sent more bytes than asked for`));
        await fh.write(chunk, 0, chunk.length, pos).catch((err: unknown) => {
          // The disk's fault, not the connection's: MS5109.
          throw storeWriteError(`download ${what}`, fh.file ?? "tmp/", err);
        });
        pos += chunk.length;
        wrote?.(chunk.length);
      }
    }
  } catch (err) {
    if (err instanceof ModelsmithError || signal?.aborted) throw err;
    if (err instanceof HttpTimeout) throw timedOut(new URL(res.url || "http://server").host, what, err);
    throw transient(new EnvironmentError(error("MS5601", `cannot download ${what}: the connection broke off after ${pos - offset} of ${length} bytes`, { hint: "run again: the download resumes" }), { cause: err }));
  }
  if (pos !== offset + length) throw transient(new EnvironmentError(error("MS5601", `cannot download ${what}: the connection ended after ${pos - offset} of ${length} bytes`, { hint: "run again: the download resumes" })));
}
