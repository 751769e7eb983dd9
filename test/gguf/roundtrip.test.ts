import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/diagnostics/index.js";
import {
  bufferSource, encodeFloats, fromHalfBits, GgmlType, ggufToBuffer, GgufValueType, gv, plainValue, readGguf, readGgufFile,
  toBfloat16Bits, toHalfBits, writeGguf, type GgufWriteInput,
} from "../../src/gguf/index.js";
import { golden, sampleInput } from "./sample.js";

test("the writer's bytes for the sample equal the golden file", async () => {
  const bytes = await ggufToBuffer(sampleInput());
  assert.deepEqual(bytes, await golden("sample.gguf", bytes));
  assert.equal(bytes.length, SAMPLE_SIZE);
});

const SAMPLE_SIZE = 992;

test("every metadata value and tensor info round-trips through writer and reader", async () => {
  const input = sampleInput();
  const file = await readGguf(bufferSource(await ggufToBuffer(input), "sample.gguf"));
  assert.equal(file.version, 3);
  assert.equal(file.alignment, 32);
  assert.deepEqual([...file.metadata.keys()], [...input.metadata].map(([k]) => k));
  for (const [key, entry] of input.metadata) assert.deepEqual(file.metadata.get(key), entry, key);
  assert.deepEqual(plainValue(file.metadata.get("t.nested")!.value), [["x", "y"], [-7]]);
  assert.deepEqual(
    file.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.fileOffset - file.dataOffset, t.size]),
    [
      ["a.f32", [4, 2], "F32", 0, 0, 32],
      ["b.f16", [3], "F16", 32, 32, 6],
      ["c.bf16", [16], "BF16", 64, 64, 32],
    ],
  );
  assert.equal(file.fileSize, file.dataOffset + 96);
});

test("tensor data lands at the offsets the reader reports", async () => {
  const bytes = await ggufToBuffer(sampleInput());
  const file = await readGguf(bufferSource(bytes));
  const at = (name: string) => file.tensors.find((t) => t.name === name)!;
  const f32 = new DataView(bytes.buffer, bytes.byteOffset + at("a.f32").fileOffset, 32);
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => f32.getFloat32(i * 4, true)), [1, 2, 3, 4, 5, 6, 7, 8]);
  const f16 = new DataView(bytes.buffer, bytes.byteOffset + at("b.f16").fileOffset, 6);
  assert.deepEqual([0, 1, 2].map((i) => fromHalfBits(f16.getUint16(i * 2, true))), [1, -2, 0.5]);
  const bf16 = bytes.subarray(at("c.bf16").fileOffset, at("c.bf16").fileOffset + 4);
  assert.deepEqual([...bf16], [0x00, 0x00, 0x80, 0x3f]); // 0.0, then 1.0 = 0x3f80
});

test("version 2 and a custom general.alignment are written and read back", async () => {
  const input: GgufWriteInput = {
    version: 2,
    metadata: [["general.alignment", gv.u32(64)]],
    tensors: [
      { name: "x", dims: [3], type: GgmlType.F32, data: encodeFloats([1, 2, 3], GgmlType.F32) },
      { name: "y", dims: [1], type: GgmlType.F32, data: encodeFloats([4], GgmlType.F32) },
    ],
  };
  const bytes = await ggufToBuffer(input);
  const file = await readGguf(bufferSource(bytes));
  assert.equal(file.version, 2);
  assert.equal(file.alignment, 64);
  assert.equal(file.dataOffset % 64, 0);
  assert.deepEqual(file.tensors.map((t) => t.offset), [0, 64]);
  assert.equal(bytes.length, file.dataOffset + 128);
});

test("writeGguf streams to a file and reports its size and sha256; readGgufFile reads it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-"));
  try {
    const path = join(dir, "m.gguf");
    const written = await writeGguf(path, sampleInput());
    const bytes = await readFile(path);
    assert.equal(written.size, bytes.length);
    assert.equal(written.sha256, SAMPLE_SHA256);
    const file = await readGgufFile(path);
    assert.equal(file.fileSize, bytes.length);
    assert.equal(file.metadata.get("general.name")!.value, "sample ✓ ünïcode");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const SAMPLE_SHA256 = "562a782f29aa70d6efed349bb5a50db56157900156adca05a97957b56512e3db";

test("the writer refuses values that do not fit their type, and wrong data sizes", async () => {
  const cases: [GgufWriteInput, RegExp][] = [
    [{ metadata: [["k", gv.u8(256)]], tensors: [] }, /^metadata k: 256 is not a UINT8$/],
    [{ metadata: [["k", gv.i32(1.5)]], tensors: [] }, /^metadata k: 1.5 is not a INT32$/],
    [{ metadata: [["k", { type: GgufValueType.UINT64, value: -1n }]], tensors: [] }, /^metadata k: -1 is not a UINT64$/],
    [{ metadata: [["k", gv.arr(GgufValueType.BOOL, [true, 1])]], tensors: [] }, /^metadata k\[1\]: 1 is not a BOOL$/],
    [{ metadata: [["k", gv.arr(GgufValueType.STRING, ["a", "b", 3] as never)]], tensors: [] }, /^metadata k\[2\]: 3 is not a STRING$/],
    [{ metadata: [["k", gv.arr(GgufValueType.FLOAT32, [0.5, "x"] as never)]], tensors: [] }, /^metadata k\[1\]: x is not a FLOAT32$/],
    [{ metadata: [["k", gv.arr(GgufValueType.ARRAY, [{ itemType: GgufValueType.STRING, items: ["a"] }, { itemType: GgufValueType.STRING, items: ["b", null] }] as never)]], tensors: [] }, /^metadata k\[1\]\[1\]: null is not a STRING$/],
    [{ metadata: [["k", gv.str("a")], ["k", gv.str("b")]], tensors: [] }, /^duplicate metadata key "k"$/],
    [{ metadata: [], tensors: [{ name: "t", dims: [4], type: GgmlType.F32, data: new Uint8Array(15) }] }, /^tensor t: data has 15 bytes, its shape and type need 16$/],
    [{ metadata: [], tensors: [{ name: "t", dims: [4], type: GgmlType.F32, data: () => [new Uint8Array(8), new Uint8Array(9)] }] }, /^tensor t: data has more than 16 bytes, its shape and type need 16$/],
    [{ metadata: [], tensors: [{ name: "q", dims: [100], type: GgmlType.Q4_K, data: new Uint8Array(0) }] }, /^tensor q: row of 100 is not a multiple of the Q4_K block size 256$/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(ggufToBuffer(input), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.diagnostics[0]!.code, "MS3013");
      assert.match(err.diagnostics[0]!.message, message);
      return true;
    });
  }
});

test("half and bfloat16 conversion round to nearest even", () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [Infinity, 0x7c00], [-Infinity, 0xfc00],
  ];
  for (const [value, bits] of cases) assert.equal(toHalfBits(value), bits, `f16 of ${value}`);
  assert.equal(toHalfBits(NaN) & 0x7c00, 0x7c00);
  for (let h = 0; h < 0x7c00; h += 37) assert.equal(toHalfBits(fromHalfBits(h)), h);
  assert.equal(toBfloat16Bits(1), 0x3f80);
  assert.equal(toBfloat16Bits(-2), 0xc000);
  assert.equal(toBfloat16Bits(1 + 2 ** -8), 0x3f80); // tie: to even
  assert.equal(toBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
});
