import { writeGguf } from "../../src/gguf/writer.js";
import { GgmlType } from "../../src/gguf/tensorTypes.js";
import { gv, GgufValueType } from "../../src/gguf/valueTypes.js";

/**
 * Writers for the two imatrix formats llama-quantize reads (see
 * src/quantize/imatrix.ts), so tests can hand quantize() real files.
 */

/** Legacy .dat: stores value * ncall per column, as llama-imatrix did. */
export function legacyImatrix(values: ReadonlyMap<string, Float32Array>, ncall: number, trailer?: { chunks: number; dataset: string }): Buffer {
  const parts: Buffer[] = [int32(values.size)];
  for (const [name, v] of values) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.alloc(v.length * 4);
    v.forEach((x, i) => data.writeFloatLE(x * ncall, i * 4));
    parts.push(int32(nameBytes.length), nameBytes, int32(ncall), int32(v.length), data);
  }
  if (trailer) {
    const ds = Buffer.from(trailer.dataset, "utf8");
    parts.push(int32(trailer.chunks), int32(ds.length), ds);
  }
  return Buffer.concat(parts);
}

/** GGUF: `<name>.in_sum2` = value * count, `<name>.counts` = [count], plus the metadata llama-quantize requires. */
export async function writeGgufImatrix(file: string, values: ReadonlyMap<string, Float32Array>, count: number, withMetadata = true): Promise<void> {
  const f32 = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const tensors = [...values].flatMap(([name, v]) => [
    { name: `${name}.in_sum2`, dims: [v.length, 1], type: GgmlType.F32, data: f32(v.map((x) => x * count)) },
    { name: `${name}.counts`, dims: [1, 1], type: GgmlType.F32, data: f32(new Float32Array([count])) },
  ]);
  const metadata = withMetadata
    ? ([
        ["general.type", gv.str("imatrix")],
        ["imatrix.datasets", gv.arr(GgufValueType.STRING, ["test.txt"])],
        ["imatrix.chunk_count", gv.u32(4)],
        ["imatrix.chunk_size", gv.u32(512)],
      ] as const)
    : ([["general.type", gv.str("imatrix")]] as const);
  await writeGguf(file, { metadata, tensors });
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}
