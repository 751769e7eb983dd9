import { Cursor } from "./cursor.js";
import { readValue, readValueType } from "./readValue.js";
import { openFileSource, type ByteSource } from "./source.js";
import { ggmlType, tensorDataSize } from "./tensorTypes.js";
import { GgufValueType, type GgufMetadata } from "./valueTypes.js";

/** "GGUF" as the first four bytes of the file. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;

export interface GgufTensorInfo {
  name: string;
  /** Dimensions in ggml order: `dims[0]` is the contiguous one (row length). */
  dims: number[];
  /** ggml type id, see {@link ggmlType}. */
  type: number;
  typeName: string;
  /** Offset of the data relative to the start of the data section. */
  offset: number;
  /** Absolute offset of the data in the file. */
  fileOffset: number;
  /** Bytes of data. */
  size: number;
}

export interface GgufFile {
  version: number;
  /** Metadata in file order. */
  metadata: GgufMetadata;
  /** Tensor infos in file order. */
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the tensor data section (end of header, padded to `alignment`). */
  dataOffset: number;
  fileSize: number;
}

/**
 * Reads the header, metadata and tensor infos of a GGUF file (versions 2 and 3,
 * little-endian), never the tensor data.
 *
 * Layout: magic "GGUF", u32 version, u64 tensor count, u64 metadata count; then
 * each metadata pair (string key, u32 type, value); then each tensor info (string
 * name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset); then padding to
 * `general.alignment` (default 32), then the data.
 *
 * Checked: magic and version; every count and length against the bytes that remain
 * (before anything is allocated for it); value and tensor types; duplicate keys
 * and tensor names; shapes (at most 4 dims, whole blocks per row); alignment; that
 * each tensor's data is aligned, inside the file and overlaps no other. Every
 * failure is an `InputError` with an MS3xxx code naming the file and byte offset.
 */
export async function readGguf(source: ByteSource): Promise<GgufFile> {
  const cur = new Cursor(source);
  await cur.need(4, "the magic number");
  if (cur.u32() !== GGUF_MAGIC) cur.fail("MS3001", "not a GGUF file: it does not start with \"GGUF\"", 0);
  await cur.need(4, "the version");
  const version = cur.u32();
  if (version !== 2 && version !== 3) {
    const why = version === 1 ? "GGUF v1 is no longer supported" : version > 0xffff ? "big-endian GGUF is not supported" : "supported: 2 and 3";
    cur.fail("MS3002", `unsupported GGUF version ${version}: ${why}`, 4);
  }
  // Each tensor info takes at least 24 bytes, each metadata pair at least 13.
  const tensorCount = await cur.count("the tensor count", Math.floor(Math.max(0, cur.remaining - 16) / 24), `only ${cur.remaining} bytes remain`);
  const kvCount = await cur.count("the metadata count", Math.floor(Math.max(0, cur.remaining - 8) / 13), `only ${cur.remaining} bytes remain`);

  const metadata: GgufMetadata = new Map();
  let alignmentAt = 0;
  for (let i = 0; i < kvCount; i++) {
    const keyAt = cur.offset;
    const key = await cur.string(`metadata key #${i}`);
    if (metadata.has(key)) cur.fail("MS3006", `duplicate metadata key "${key}"`, keyAt);
    if (key === "general.alignment") alignmentAt = keyAt;
    const type = await readValueType(cur, `metadata ${key}`);
    metadata.set(key, { type, value: await readValue(cur, type, `metadata ${key}`) });
  }

  const alignment = alignmentOf(cur, metadata, alignmentAt);
  const raw = [];
  for (let i = 0; i < tensorCount; i++) raw.push(await readTensorInfo(cur, i));
  const dataOffset = Math.ceil(cur.offset / alignment) * alignment;
  const tensors = placeTensors(cur, raw, alignment, dataOffset);
  return { version, metadata, tensors, alignment, dataOffset, fileSize: source.size };
}

/** Opens `path`, reads its GGUF header with {@link readGguf}, and closes it. */
export async function readGgufFile(path: string): Promise<GgufFile> {
  const source = await openFileSource(path);
  try {
    return await readGguf(source);
  } finally {
    await source.close();
  }
}

function alignmentOf(cur: Cursor, metadata: GgufMetadata, at: number): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const a = entry.value;
  if (entry.type !== GgufValueType.UINT32 || typeof a !== "number" || a === 0 || (a & (a - 1)) !== 0) {
    cur.fail("MS3011", `general.alignment must be a non-zero power of two stored as uint32, got ${String(a)}`, at);
  }
  return a;
}

interface RawTensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
  at: number;
}

async function readTensorInfo(cur: Cursor, i: number): Promise<RawTensorInfo> {
  const at = cur.offset;
  const name = await cur.string(`the name of tensor #${i}`);
  await cur.need(4, `tensor ${name}`);
  const nDims = cur.u32();
  if (nDims > GGUF_MAX_DIMS) cur.fail("MS3008", `tensor ${name} has ${nDims} dimensions, at most ${GGUF_MAX_DIMS} allowed`, cur.offset - 4);
  const dims: number[] = [];
  for (let d = 0; d < nDims; d++) {
    dims.push(await cur.count(`dimension ${d} of tensor ${name}`, Number.MAX_SAFE_INTEGER, "no file is that large"));
  }
  await cur.need(4, `tensor ${name}`);
  const type = cur.u32();
  if (ggmlType(type) === undefined) cur.fail("MS3007", `tensor ${name} has unknown ggml type ${type}`, cur.offset - 4);
  const offset = await cur.count(`the data offset of tensor ${name}`, Number.MAX_SAFE_INTEGER, "no file is that large");
  return { name, dims, type, offset, at };
}

function placeTensors(cur: Cursor, raw: RawTensorInfo[], alignment: number, dataOffset: number): GgufTensorInfo[] {
  const names = new Set<string>();
  const tensors = raw.map((t) => {
    if (names.has(t.name)) cur.fail("MS3012", `duplicate tensor name "${t.name}"`, t.at);
    names.add(t.name);
    const info = ggmlType(t.type)!;
    const size = tensorDataSize(info, t.dims);
    if (size === undefined) {
      cur.fail("MS3008", `tensor ${t.name} has rows of ${t.dims[0]} elements, not a multiple of the ${info.name} block size ${info.blockSize}`, t.at);
    }
    if (t.offset % alignment !== 0) cur.fail("MS3009", `tensor ${t.name} data offset ${t.offset} is not a multiple of the alignment ${alignment}`, t.at);
    const fileOffset = dataOffset + t.offset;
    if (BigInt(fileOffset) + size > BigInt(cur.source.size)) {
      cur.fail("MS3010", `tensor ${t.name} data (${size} bytes at ${fileOffset}) ends beyond the end of the file (${cur.source.size} bytes)`, t.at);
    }
    return { name: t.name, dims: t.dims, type: t.type, typeName: info.name, offset: t.offset, fileOffset, size: Number(size), at: t.at };
  });
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset || a.size - b.size);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const next = byOffset[i]!;
    if (prev.offset + prev.size > next.offset && next.size > 0) {
      cur.fail("MS3012", `tensors ${prev.name} and ${next.name} overlap`, next.at);
    }
  }
  return tensors.map(({ at: _at, ...t }) => t);
}
