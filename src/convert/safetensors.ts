/**
 * safetensors files (https://huggingface.co/docs/safetensors/index#format): an
 * 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`,
 * then the tensor data, offsets relative to the end of the header.
 *
 * {@link openSafetensors} reads only the header; tensors are read one at a time
 * with {@link SafetensorsFile.read}, so memory stays at one tensor.
 */
import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { error, InputError } from "../diagnostics/index.js";

/** Element sizes of the dtypes safetensors defines. */
export const SAFETENSORS_DTYPE_SIZE: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1,
};

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  /** Row-major (PyTorch) order: shape[last] is contiguous. */
  shape: number[];
  /** Absolute byte offset of the data in the file. */
  offset: number;
  size: number;
}

/** Largest header the format allows (safetensors refuses > 100 MB too). */
const MAX_HEADER = 100_000_000;

export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await open(path, "r");
    try {
      const size = (await handle.stat()).size;
      const fail = (msg: string): never => {
        throw new InputError(error("MS3203", `${basename(path)}: ${msg}`, { file: path, hint: "Download the file again; it is truncated or not a safetensors file." }));
      };
      if (size < 8) fail(`${size} bytes, shorter than the 8-byte header length`);
      const lenBuf = Buffer.alloc(8);
      await handle.read(lenBuf, 0, 8, 0);
      const n = lenBuf.readBigUInt64LE(0);
      if (n > BigInt(MAX_HEADER) || Number(n) + 8 > size) fail(`header length ${n} runs past the end of the file (${size} bytes)`);
      const headerBuf = Buffer.alloc(Number(n));
      await handle.read(headerBuf, 0, headerBuf.length, 8);
      let header: unknown;
      try {
        header = JSON.parse(headerBuf.toString("utf8"));
      } catch (err) {
        fail(`header is not JSON (${(err as Error).message})`);
      }
      if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
      const dataStart = 8 + Number(n);
      const entries = new Map<string, SafetensorsEntry>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
        if (name === "__metadata__") {
          metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        const elem = typeof e?.dtype === "string" ? SAFETENSORS_DTYPE_SIZE[e.dtype] : undefined;
        if (elem === undefined) fail(`tensor ${name}: unknown dtype ${JSON.stringify(e?.dtype)}`);
        if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name}: shape ${JSON.stringify(e.shape)} is not a list of sizes`);
        const offs = e.data_offsets;
        if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0]) {
          fail(`tensor ${name}: data_offsets ${JSON.stringify(offs)} are not [begin, end]`);
        }
        const shape = e.shape as number[];
        const [begin, end] = offs as [number, number];
        const want = shape.reduce((a, b) => a * b, 1) * elem!;
        if (end - begin !== want) fail(`tensor ${name}: data_offsets span ${end - begin} bytes, its ${e.dtype as string} shape [${shape.join(", ")}] needs ${want}`);
        if (dataStart + end > size) fail(`tensor ${name} ends at byte ${dataStart + end}, past the end of the file (${size} bytes): the file is truncated`);
        entries.set(name, { name, dtype: e.dtype as string, shape, offset: dataStart + begin, size: want });
      }
      return new SafetensorsFile(path, handle, entries, metadata);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The raw little-endian bytes of one tensor. */
  read(entry: SafetensorsEntry): Promise<Buffer> {
    return this.readRange(entry, 0, entry.size);
  }

  /** `length` raw bytes of a tensor from `start` (relative to the tensor's data). */
  async readRange(entry: SafetensorsEntry, start: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    await this.readInto(entry, start, buf);
    return buf;
  }

  /** Fills `target` with a tensor's raw bytes from `start` (relative to the tensor's data). */
  async readInto(entry: SafetensorsEntry, start: number, target: Uint8Array): Promise<void> {
    const length = target.length;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, done, length - done, entry.offset + start + done);
      if (bytesRead === 0) {
        throw new InputError(error("MS3203", `${basename(this.path)}: tensor ${entry.name} ends past the end of the file (it shrank while reading)`, { file: this.path }));
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export interface SafetensorsTensorInput {
  name: string;
  dtype: "F32" | "F16" | "BF16" | "I32" | "I64" | "U8";
  shape: number[];
  data: Uint8Array;
}

/**
 * The bytes of a safetensors file (used by the test checkpoint generator). Tensors
 * are laid out in the given order; the header is padded with spaces to a
 * multiple of 8 bytes, as the Python library does.
 */
export function encodeSafetensors(tensors: readonly SafetensorsTensorInput[], metadata?: Record<string, string>): Buffer {
  const header = safetensorsHeader(tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, size: t.data.length })), metadata);
  return Buffer.concat([header, ...tensors.map((t) => t.data)]);
}

/** The 8-byte length and the JSON header of a safetensors file whose tensors follow back to back in this order. */
export function safetensorsHeader(tensors: readonly { name: string; dtype: string; shape: number[]; size: number }[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.size] };
    offset += t.size;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += " ";
  const headerBytes = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([len, headerBytes]);
}
