import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { error, InputError } from "../diagnostics/index.js";
import { ByteBuilder } from "./byteBuilder.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_DIMS } from "./reader.js";
import { ggmlType, tensorDataSize } from "./tensorTypes.js";
import { AsyncWriter, InlineHasher, WorkerHasher, WorkerWriter, type Hasher, type Writer } from "./writer-threads.js";
import { GgufValueType, type GgufMetadataEntry } from "./valueTypes.js";
import { writeString, writeValue } from "./writeValue.js";

/** Tensor bytes: all at once, a function that yields them in chunks (called once), or a source that copies them into the writer's buffers. */
export type TensorData = Uint8Array | (() => Iterable<Uint8Array> | AsyncIterable<Uint8Array>) | TensorFill;

/**
 * Tensor bytes put straight where they are written (a file read into the
 * writer's buffer, no copy in between). `fill(target, offset)` puts bytes
 * `[offset, offset + target.length)` of the tensor's data into `target`; the
 * writer asks for the whole tensor in order, in pieces of any size.
 */
export interface TensorFill {
  /** The tensor's size in bytes; checked against its shape and type. */
  bytes: number;
  fill(target: Uint8Array, offset: number): Promise<void> | void;
}

function isFill(data: TensorData): data is TensorFill {
  return typeof data === "object" && !(data instanceof Uint8Array);
}

export interface GgufTensorInput {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: readonly number[];
  /** ggml type id (GgmlType.F32, ...). */
  type: number;
  /** Exactly the bytes the shape and type need; checked while streaming. */
  data: TensorData;
}

export interface GgufWriteInput {
  /** Defaults to 3. */
  version?: 2 | 3;
  /** Written in iteration order; a Map or a list of pairs. */
  metadata: Iterable<readonly [string, GgufMetadataEntry]>;
  /** Written in this order, data laid out back to back, each padded to the alignment. */
  tensors: readonly GgufTensorInput[];
}

export interface GgufLayout {
  /** Header, metadata, tensor infos and the padding up to the data section. */
  header: Uint8Array;
  alignment: number;
  /** Per tensor, in input order: data offset relative to the data section, and size. */
  placements: { offset: number; size: number }[];
  /** Total bytes of the file. */
  fileSize: number;
}

function invalid(message: string): never {
  throw new InputError(error("MS3013", message));
}

/**
 * Encodes everything before the tensor data. Pure and deterministic: the same
 * input gives the same bytes. Alignment is `general.alignment` when the metadata
 * holds it (a uint32 power of two), else 32.
 */
export function encodeGgufHeader(input: GgufWriteInput): GgufLayout {
  const metadata = [...input.metadata];
  const alignment = alignmentFrom(metadata);
  const out = new ByteBuilder();
  out.u32(GGUF_MAGIC);
  out.u32(input.version ?? 3);
  out.u64(BigInt(input.tensors.length));
  out.u64(BigInt(metadata.length));
  const keys = new Set<string>();
  for (const [key, entry] of metadata) {
    if (keys.has(key)) invalid(`duplicate metadata key "${key}"`);
    keys.add(key);
    writeString(out, key);
    out.u32(entry.type);
    writeValue(out, entry.type, entry.value, `metadata ${key}`);
  }
  const placements: GgufLayout["placements"] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of input.tensors) {
    if (names.has(t.name)) invalid(`duplicate tensor name "${t.name}"`);
    names.add(t.name);
    const info = ggmlType(t.type);
    if (info === undefined || info.removed) invalid(`tensor ${t.name}: unknown ggml type ${t.type}`);
    if (t.dims.length > GGUF_MAX_DIMS || t.dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      invalid(`tensor ${t.name}: dims ${JSON.stringify(t.dims)} are not 0-${GGUF_MAX_DIMS} non-negative integers`);
    }
    const size = tensorDataSize(info, t.dims);
    if (size === undefined) invalid(`tensor ${t.name}: row of ${t.dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    writeString(out, t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(BigInt(d));
    out.u32(t.type);
    out.u64(BigInt(offset));
    placements.push({ offset, size: Number(size) });
    offset += padded(Number(size), alignment);
  }
  out.pad(alignment);
  const header = out.finish();
  return { header, alignment, placements, fileSize: header.length + offset };
}

function padded(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function alignmentFrom(metadata: (readonly [string, GgufMetadataEntry])[]): number {
  const entry = metadata.find(([k]) => k === "general.alignment")?.[1];
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const a = entry.value;
  if (entry.type !== GgufValueType.UINT32 || typeof a !== "number" || a <= 0 || (a & (a - 1)) !== 0) {
    throw new InputError(error("MS3011", `general.alignment must be a non-zero power of two stored as uint32, got ${String(a)}`));
  }
  return a;
}

/**
 * The bytes of the whole file, in chunks: the header, then each tensor's data and
 * its padding. Memory stays at the size of the largest chunk a tensor yields.
 */
export async function* ggufChunks(input: GgufWriteInput): AsyncGenerator<Uint8Array> {
  const layout = encodeGgufHeader(input);
  yield layout.header;
  for (let i = 0; i < input.tensors.length; i++) {
    const t = input.tensors[i]!;
    const { size } = layout.placements[i]!;
    let written = 0;
    const chunks = t.data instanceof Uint8Array ? [t.data] : isFill(t.data) ? fillChunks(t.data, size, t.name) : t.data();
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) break;
      yield chunk;
    }
    if (written !== size) invalid(`tensor ${t.name}: data has ${written > size ? `more than ${size}` : written} bytes, its shape and type need ${size}`);
    const pad = padded(size, layout.alignment) - size;
    if (pad > 0) yield new Uint8Array(pad);
  }
}

/** A fill source's bytes in chunks of at most WRITE_BYTES (for ggufChunks). */
async function* fillChunks(data: TensorFill, size: number, name: string): AsyncGenerator<Uint8Array> {
  if (data.bytes !== size) invalid(`tensor ${name}: data has ${data.bytes} bytes, its shape and type need ${size}`);
  for (let at = 0; at < size; at += WRITE_BYTES) {
    const chunk = new Uint8Array(Math.min(WRITE_BYTES, size - at));
    await data.fill(chunk, at);
    yield chunk;
  }
  if (size === 0) yield new Uint8Array(0);
}

export interface WrittenFile {
  size: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

export interface WriteGgufOptions {
  /**
   * Hash in a worker thread, on another core, while the main thread reads and
   * writes. Default: for files of HASH_WORKER_FROM bytes and more (below that,
   * starting the worker costs more than it saves).
   */
  hashInWorker?: boolean;
  /**
   * Write in a worker thread (synchronous writes in a loop, no hand-off to
   * libuv's pool per call) while the main thread reads and converts. Default:
   * for files of HASH_WORKER_FROM bytes and more.
   */
  writeInWorker?: boolean;
}

/** Files from this size on are hashed and written in worker threads by default. */
export const HASH_WORKER_FROM = 64 << 20;

/** Bytes per write: the file goes out in buffers of this size, each written with one positional write. */
const WRITE_BYTES = 8 << 20;
/**
 * Buffers in the pool: one being filled while the others are written and hashed.
 * Three, not more: each is fresh memory the first time it is filled, and a page
 * fault costs ~16 µs on this VM (8 MiB: ~34 ms), most of it before the hash is
 * up to speed. Smaller buffers fault less but cost more in messages to the
 * workers (see docs/decisions.md, "Conversion speed").
 */
const POOL_SIZE = 3;

/**
 * Writes a GGUF file to `path` (via a temporary file beside it, renamed at the
 * end, so a failure leaves no partial file) and returns its size and sha256.
 * `onProgress` hears of the bytes written after each buffer, of the file's total.
 *
 * A pipeline over a few reused buffers of WRITE_BYTES: the header, padding and
 * tensor bytes are packed into a buffer (a {@link TensorFill} reads straight
 * into it, chunks are copied in), and a full buffer is written at its offset
 * while it is hashed (in a worker thread for large files) and while the next
 * buffer is filled. The digest comes from the bytes written, never a re-read.
 */
export async function writeGguf(path: string, input: GgufWriteInput | Promise<GgufWriteInput>, onProgress?: (written: number, total: number) => void, options: WriteGgufOptions = {}): Promise<WrittenFile> {
  // Given as a promise, the input is awaited after the temporary file is opened and the worker threads asked for in
  // `options` are started, so that their start-up overlaps whatever computes it.
  const ready = Promise.resolve(input);
  ready.catch(() => undefined); // awaited below; marked handled while the file is opened
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(tmp, "w");
  let hasher: Hasher | undefined;
  let writer: Writer | undefined;
  let pool: BufferPool | undefined;
  try {
    if (options.hashInWorker) hasher = new WorkerHasher();
    const resolved = await ready;
    // The write worker starts once the input is here (while the header is encoded): the first writes can wait for it
    // (the pool holds a few buffers), the first hash cannot, and two workers starting at once are both up later.
    if (options.writeInWorker) writer = new WorkerWriter(handle.fd);
    const layout = encodeGgufHeader(resolved);
    const total = layout.fileSize;
    hasher ??= options.hashInWorker === undefined && total >= HASH_WORKER_FROM ? new WorkerHasher() : new InlineHasher();
    writer ??= options.writeInWorker === undefined && total >= HASH_WORKER_FROM ? new WorkerWriter(handle.fd) : new AsyncWriter(handle);
    pool = new BufferPool(Math.min(WRITE_BYTES, Math.max(total, 1)), hasher.shared || writer.shared);
    return await writeFrom(resolved, layout, handle, hasher, writer, pool, tmp, path, onProgress);
  } catch (err) {
    await pool?.settle();
    await hasher?.close();
    await writer?.close();
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** writeGguf's pipeline, once the header is laid out and the hasher and writer are chosen. */
async function writeFrom(input: GgufWriteInput, layout: GgufLayout, handle: FileHandle, hasher: Hasher, writer: Writer, pool: BufferPool, tmp: string, path: string, onProgress: ((written: number, total: number) => void) | undefined): Promise<WrittenFile> {
  const total = layout.fileSize;
  let size = 0;
  let buf = await pool.take();
  let pos = 0;
  const emit = () => {
    const full = buf;
    const at = size;
    const n = pos;
    size += n;
    const write = writer.write(full, n, at);
    const hashed = hasher.update(full, n);
    pool.inFlight(Promise.all([write, hashed]).then(() => {
      onProgress?.(at + n, total);
      return full;
    }));
  };
  /** Room for `n` more bytes, given out as pieces of the current buffer (a full buffer is sent off first). */
  const pieces = async function* (n: number): AsyncGenerator<Uint8Array> {
    while (n > 0) {
      if (pos === buf.length) {
        emit();
        buf = await pool.take();
        pos = 0;
      }
      const k = Math.min(n, buf.length - pos);
      yield buf.subarray(pos, pos + k);
      pos += k;
      n -= k;
    }
  };
  const copy = async (bytes: Uint8Array) => {
    let from = 0;
    for await (const piece of pieces(bytes.length)) {
      piece.set(bytes.subarray(from, from + piece.length));
      from += piece.length;
    }
  };
  await copy(layout.header);
  for (let i = 0; i < input.tensors.length; i++) {
    const t = input.tensors[i]!;
    const tensorSize = layout.placements[i]!.size;
    if (isFill(t.data)) {
      if (t.data.bytes !== tensorSize) invalid(`tensor ${t.name}: data has ${t.data.bytes} bytes, its shape and type need ${tensorSize}`);
      let at = 0;
      for await (const piece of pieces(tensorSize)) {
        await t.data.fill(piece, at);
        at += piece.length;
      }
    } else {
      let written = 0;
      const chunks = t.data instanceof Uint8Array ? [t.data] : t.data();
      for await (const chunk of chunks) {
        written += chunk.length;
        if (written > tensorSize) break;
        await copy(chunk);
      }
      if (written !== tensorSize) invalid(`tensor ${t.name}: data has ${written > tensorSize ? `more than ${tensorSize}` : written} bytes, its shape and type need ${tensorSize}`);
    }
    const pad = padded(tensorSize, layout.alignment) - tensorSize;
    for await (const piece of pieces(pad)) piece.fill(0);
  }
  if (pos > 0) emit();
  await pool.drain();
  const sha256 = await hasher.digest();
  await writer.close();
  await handle.close();
  await rename(tmp, path);
  return { size, sha256 };
}

/**
 * A few buffers reused for the whole file (no allocation, no page faults, no
 * garbage per write). A buffer sent off comes back when its write and its hash
 * are done; `take` waits for the oldest one when none is free, and rejects with
 * its error when it failed.
 */
class BufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly pending: Promise<Uint8Array>[] = [];
  private made = 0;

  constructor(
    private readonly bytes: number,
    private readonly shared: boolean,
  ) {}

  async take(): Promise<Uint8Array> {
    const b = this.free.pop();
    if (b) return b;
    if (this.made < POOL_SIZE) {
      this.made++;
      return new Uint8Array(this.shared ? new SharedArrayBuffer(this.bytes) : new ArrayBuffer(this.bytes));
    }
    return this.pending.shift()!;
  }

  inFlight(p: Promise<Uint8Array>): void {
    p.catch(() => undefined); // awaited by take or drain; marked handled meanwhile
    this.pending.push(p);
  }

  async drain(): Promise<void> {
    while (this.pending.length > 0) this.free.push(await this.pending.shift()!);
  }

  /** Waits for every write and hash under way, failed or not. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.pending.splice(0));
  }
}

/** The whole file in memory; for tests and small files. */
export async function ggufToBuffer(input: GgufWriteInput): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of ggufChunks(input)) parts.push(chunk);
  return Buffer.concat(parts);
}
