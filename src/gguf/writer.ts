import { createHash } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { error, InputError } from "../diagnostics/index.js";
import { ByteBuilder } from "./byteBuilder.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_DIMS } from "./reader.js";
import { ggmlType, tensorDataSize } from "./tensorTypes.js";
import { GgufValueType, type GgufMetadataEntry } from "./valueTypes.js";
import { writeString, writeValue } from "./writeValue.js";

/** Tensor bytes: all at once, or a function that yields them in chunks (called once). */
export type TensorData = Uint8Array | (() => Iterable<Uint8Array> | AsyncIterable<Uint8Array>);

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
    const chunks = t.data instanceof Uint8Array ? [t.data] : t.data();
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

export interface WrittenFile {
  size: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

/**
 * Writes a GGUF file to `path` (via a temporary file beside it, renamed at the
 * end, so a failure leaves no partial file) and returns its size and sha256.
 * `onProgress` hears of the bytes written after each chunk, of the file's total.
 */
export async function writeGguf(path: string, input: GgufWriteInput, onProgress?: (written: number, total: number) => void): Promise<WrittenFile> {
  const total = onProgress ? encodeGgufHeader(input).fileSize : 0;
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const hash = createHash("sha256");
  let size = 0;
  const handle = await open(tmp, "w");
  try {
    // A pipeline: the next chunk is produced (read, converted) while this batch is written, and the batch is hashed while the write runs.
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      const write = writeAll(handle, batch, batchBytes);
      for (const b of batch) hash.update(b);
      await write;
      size += batchBytes;
      batch = [];
      batchBytes = 0;
      onProgress?.(size, total);
    };
    for await (const chunk of prefetched(ggufChunks(input)[Symbol.asyncIterator]())) {
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BYTES) await flush();
    }
    await flush();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return { size, sha256: hash.digest("hex") };
}

/** Bytes gathered into one write: small chunks (the header, padding) never go out alone. */
const WRITE_BYTES = 8 << 20;

/** Writes `buffers` (`bytes` in all) at the handle's position, in as few writev calls as the kernel allows. */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], bytes: number): Promise<void> {
  let left = buffers;
  let remaining = bytes;
  while (remaining > 0) {
    const { bytesWritten } = await handle.writev(left);
    remaining -= bytesWritten;
    if (remaining === 0) break;
    // A short write: drop what went out, keep the rest of a partly written buffer.
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const b of left) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    left = rest;
  }
}

/** The items of `source`, the next one always asked for before the current one is handed on. */
async function* prefetched<T>(source: AsyncIterator<T>): AsyncGenerator<T> {
  // A rejection is awaited on the next turn; marked handled now so that it is not reported as unhandled meanwhile.
  const ask = () => {
    const p = source.next();
    p.catch(() => undefined);
    return p;
  };
  let next = ask();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = ask();
      yield r.value;
    }
  } finally {
    // Let a pending read settle before the generator is closed, so nothing runs on after an error.
    await next.then(() => undefined, () => undefined);
    await source.return?.(undefined);
  }
}

/** The whole file in memory; for tests and small files. */
export async function ggufToBuffer(input: GgufWriteInput): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of ggufChunks(input)) parts.push(chunk);
  return Buffer.concat(parts);
}
