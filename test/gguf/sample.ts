import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { encodeFloats, GgmlType, GgufValueType, gv, type GgufWriteInput } from "../../src/gguf/index.js";

/** Path of a file under test/fixtures/gguf/, from dist/test/gguf/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/gguf/${name}`, import.meta.url));
}

/**
 * A small GGUF holding every metadata value type (nested arrays too) and one tensor
 * each of F32, F16 and BF16. The last tensor's data ends on the alignment, so every
 * truncation of the file cuts something the reader needs.
 */
export function sampleInput(): GgufWriteInput {
  return {
    metadata: [
      ["general.architecture", gv.str("llama")],
      ["general.name", gv.str("sample ✓ ünïcode")],
      ["t.u8", gv.u8(255)],
      ["t.i8", gv.i8(-128)],
      ["t.u16", gv.u16(65535)],
      ["t.i16", gv.i16(-32768)],
      ["t.u32", gv.u32(4294967295)],
      ["t.i32", gv.i32(-2147483648)],
      ["t.f32", gv.f32(0.5)],
      ["t.f64", gv.f64(-1e300)],
      ["t.u64", gv.u64(18446744073709551615n)],
      ["t.i64", gv.i64(-9223372036854775808n)],
      ["t.true", gv.bool(true)],
      ["t.false", gv.bool(false)],
      ["t.empty", gv.str("")],
      ["t.strings", gv.arr(GgufValueType.STRING, ["a", "", "▁b", "<0x0A>"])],
      ["t.floats", gv.arr(GgufValueType.FLOAT32, [1, -2.5, 0])],
      ["t.ints", gv.arr(GgufValueType.INT32, [-1, 0, 1])],
      ["t.bools", gv.arr(GgufValueType.BOOL, [true, false])],
      ["t.u64s", gv.arr(GgufValueType.UINT64, [0n, 1n << 40n])],
      ["t.emptyarr", gv.arr(GgufValueType.UINT8, [])],
      [
        "t.nested",
        gv.arr(GgufValueType.ARRAY, [
          { itemType: GgufValueType.STRING, items: ["x", "y"] },
          { itemType: GgufValueType.INT16, items: [-7] },
        ]),
      ],
    ],
    tensors: [
      { name: "a.f32", dims: [4, 2], type: GgmlType.F32, data: encodeFloats([1, 2, 3, 4, 5, 6, 7, 8], GgmlType.F32) },
      { name: "b.f16", dims: [3], type: GgmlType.F16, data: () => [encodeFloats([1], GgmlType.F16), encodeFloats([-2, 0.5], GgmlType.F16)] },
      { name: "c.bf16", dims: [16], type: GgmlType.BF16, data: encodeFloats(Array.from({ length: 16 }, (_, i) => i), GgmlType.BF16) },
    ],
  };
}

/** Reads a fixture; with UPDATE_GOLDEN=1 writes `bytes` to it first. */
export async function golden(name: string, bytes: Uint8Array): Promise<Buffer> {
  if (process.env.UPDATE_GOLDEN === "1") await writeFile(fixturePath(name), bytes);
  return readFile(fixturePath(name));
}
