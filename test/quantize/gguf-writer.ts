/**
 * A minimal GGUF v3 writer for test inputs (until src/gguf/ has one): the
 * metadata value types the tests need and F32 tensors, 32-byte aligned.
 *
 * Layout: "GGUF", u32 version, u64 tensor count, u64 kv count, kvs, tensor
 * infos (name, n_dims, dims (ne0 first), ggml type, offset), padding, data.
 */
export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: string[] }
  | { type: "f32[]"; value: number[] }
  | { type: "i32[]"; value: number[] };

export interface GgufTensor {
  name: string;
  /** ne0 first, as GGUF stores them. */
  dims: number[];
  data: Float32Array;
}

const ALIGN = 32;
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(out: Bytes, v: GgufValue): void {
  switch (v.type) {
    case "u32": out.u32(T.u32); out.u32(v.value); break;
    case "i32": out.u32(T.i32); out.i32(v.value); break;
    case "f32": out.u32(T.f32); out.f32(v.value); break;
    case "bool": out.u32(T.bool); out.push(Buffer.from([v.value ? 1 : 0])); break;
    case "string": out.u32(T.string); out.str(v.value); break;
    case "string[]": out.u32(T.array); out.u32(T.string); out.u64(v.value.length); v.value.forEach((s) => out.str(s)); break;
    case "f32[]": out.u32(T.array); out.u32(T.f32); out.u64(v.value.length); v.value.forEach((x) => out.f32(x)); break;
    case "i32[]": out.u32(T.array); out.u32(T.i32); out.u64(v.value.length); v.value.forEach((x) => out.i32(x)); break;
  }
}

/** Serializes a GGUF file; metadata keys are written in the given order. */
export function writeGguf(metadata: Array<[string, GgufValue]>, tensors: GgufTensor[]): Buffer {
  const head = new Bytes();
  head.push(Buffer.from("GGUF", "latin1"));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.str(key);
    writeValue(head, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += pad(t.data.byteLength);
  }
  tensors.forEach((t, i) => {
    head.str(t.name);
    head.u32(t.dims.length);
    t.dims.forEach((d) => head.u64(d));
    head.u32(0); // GGML_TYPE_F32
    head.u64(offsets[i]!);
  });
  const parts = [head.concat()];
  parts.push(Buffer.alloc(pad(parts[0]!.length) - parts[0]!.length));
  for (const t of tensors) {
    const b = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    parts.push(b, Buffer.alloc(pad(b.length) - b.length));
  }
  return Buffer.concat(parts);
}

const pad = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
