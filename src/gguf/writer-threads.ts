/**
 * Where writeGguf's buffers go: a writer (positional writes, in order) and a
 * hasher (sha256 of the bytes written), each either on this thread or on a
 * worker thread over buffers shared with it (nothing is copied).
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Worker } from "node:worker_threads";

/**
 * Bytes per write system call. The kernel sizes the page-cache folios it
 * allocates by the length of the write: 8 MiB writes get 2 MiB folios, which
 * on a VM that hands free memory back to its host (virtio-balloon free page
 * reporting, in 2 MiB blocks) come from memory the host must fault in again.
 * Measured with dd here, copying the same 2.2 GB: 7.7-9.0 s with bs=8M,
 * 3.2 s with 1M, 1.15-1.17 s with 256K (load 3.5-4). See docs/decisions.md.
 */
const WRITE_CALL_BYTES = 256 << 10;

/** Writes all of `bytes` at `position`, WRITE_CALL_BYTES per call. */
async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(WRITE_CALL_BYTES, bytes.length - done), position + done);
    done += bytesWritten;
  }
}

export interface Writer {
  /** Whether buffers must be on a SharedArrayBuffer. */
  readonly shared: boolean;
  /** Writes `bytes[0, n)` at `position`, after every write asked for before it; the buffer is not changed until the promise settles. */
  write(bytes: Uint8Array, n: number, position: number): Promise<void>;
  /** Ends the writer (every write asked for has settled); the file handle stays open. */
  close(): Promise<void>;
}

/** Writes through libuv's thread pool, one at a time, in file order (for small files: no thread to start). */
export class AsyncWriter implements Writer {
  readonly shared = false;
  private last: Promise<unknown> = Promise.resolve();
  constructor(private readonly handle: FileHandle) {}
  write(bytes: Uint8Array, n: number, position: number): Promise<void> {
    // One write at a time, in file order: buffered writes to one file serialize on its inode lock anyway, and progress stays in order.
    const write = this.last.then(() => writeAt(this.handle, bytes.subarray(0, n), position));
    this.last = write.catch(() => undefined);
    return write;
  }
  async close(): Promise<void> {
    await this.last;
  }
}

/**
 * A thread that runs requests in order and answers each: a number, a string,
 * or `{ error }` (an errno error's message, code, errno and syscall, rebuilt
 * on this side so that ENOSPC still reads as ENOSPC).
 */
class WorkerQueue {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private failed: unknown;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    source: string,
    private readonly what: string,
  ) {
    this.worker = new Worker(source, { eval: true });
    this.worker.on("message", (m: unknown) => {
      const w = this.waiting.shift();
      if (typeof m === "object" && m !== null && "error" in m) w?.reject(Object.assign(new Error((m.error as { message: string }).message), m.error));
      else w?.resolve(m);
    });
    const fail = (err: unknown) => {
      this.failed ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the ${what} worker exited (code ${code})`)));
  }

  ask(message: unknown): Promise<unknown> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const answer = new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
    // Answers come in order: the last one settled means every one has.
    this.last = answer.catch(() => undefined);
    return answer;
  }

  /** Waits for every request asked to be answered (either way), then stops the thread. */
  async close(): Promise<void> {
    await this.last;
    this.failed ??= new Error(`the ${this.what} worker was closed`);
    await this.worker.terminate();
  }
}

/** The write worker: writes each buffer it is sent at its position, WRITE_CALL_BYTES per call, and answers each. */
const WRITE_WORKER = `
const { parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
parentPort.on("message", ({ buffer, n, position, fd, call }) => {
  try {
    const bytes = new Uint8Array(buffer, 0, n);
    for (let done = 0; done < n; ) {
      const k = writeSync(fd, bytes, done, Math.min(call, n - done), position + done);
      if (k <= 0) throw Object.assign(new Error("write returned " + k), { code: "EIO" });
      done += k;
    }
    parentPort.postMessage(n);
  } catch (e) {
    parentPort.postMessage({ error: { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall } });
  }
});`;

/**
 * Writes on another thread, over buffers shared with it (nothing is copied):
 * a loop of synchronous positional writes there, where libuv's pool would
 * take a hand-off between threads and a promise per call. Requests run in
 * the order asked, so the file is written in order.
 */
export class WorkerWriter implements Writer {
  readonly shared = true;
  private readonly queue = new WorkerQueue(WRITE_WORKER, "write");
  constructor(private readonly fd: number) {}
  async write(bytes: Uint8Array, n: number, position: number): Promise<void> {
    await this.queue.ask({ buffer: bytes.buffer, n, position, fd: this.fd, call: WRITE_CALL_BYTES });
  }
  close(): Promise<void> {
    return this.queue.close();
  }
}

export interface Hasher {
  /** Whether buffers must be on a SharedArrayBuffer. */
  readonly shared: boolean;
  /** Hashes `bytes[0, n)`; the buffer is not changed until the promise settles. */
  update(bytes: Uint8Array, n: number): Promise<void>;
  digest(): Promise<string>;
  close(): Promise<void>;
}

export class InlineHasher implements Hasher {
  readonly shared = false;
  private readonly hash = createHash("sha256");
  update(bytes: Uint8Array, n: number): Promise<void> {
    this.hash.update(bytes.subarray(0, n));
    return Promise.resolve();
  }
  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest("hex"));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The worker: hashes each buffer it is sent, in order, and answers each; null asks for the digest. */
const HASH_WORKER = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (m) => {
  if (m === null) parentPort.postMessage(hash.digest("hex"));
  else {
    hash.update(new Uint8Array(m.buffer, 0, m.n));
    parentPort.postMessage(m.n);
  }
});`;

/** sha256 on another thread, over buffers shared with it (nothing is copied). */
export class WorkerHasher implements Hasher {
  readonly shared = true;
  private readonly queue = new WorkerQueue(HASH_WORKER, "sha256");

  async update(bytes: Uint8Array, n: number): Promise<void> {
    await this.queue.ask({ buffer: bytes.buffer, n });
  }

  async digest(): Promise<string> {
    const hex = (await this.queue.ask(null)) as string;
    await this.close();
    return hex;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
