import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { InputError } from "../../src/diagnostics/index.js";
import { bufferSource, ggufToBuffer, GgufValueType, gv, readGguf, type GgufWriteInput } from "../../src/gguf/index.js";
import { sampleInput } from "./sample.js";

/** Reads `bytes` and returns the diagnostic it fails with (and fails the test when it reads). */
async function failure(bytes: Uint8Array): Promise<{ code: string; message: string; file?: string }> {
  try {
    await readGguf(bufferSource(bytes, "bad.gguf"));
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    assert.equal(err.diagnostics.length, 1);
    return err.diagnostics[0]!;
  }
  assert.fail("expected an InputError");
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
function str(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  return Buffer.concat([u64(BigInt(b.length)), b]);
}
const MAGIC = new TextEncoder().encode("GGUF");
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** A header of `tensors` tensor infos and `kvs` metadata pairs, followed by `rest`. */
const header = (tensors: bigint, kvs: bigint, ...rest: Uint8Array[]) => cat(MAGIC, u32(3), u64(tensors), u64(kvs), ...rest);

test("every truncation of a valid file fails cleanly: truncated, count too large, or data beyond the end", async () => {
  const bytes = await ggufToBuffer(sampleInput());
  const codes = new Set<string>();
  for (let n = 0; n < bytes.length; n++) {
    const d = await failure(bytes.subarray(0, n));
    assert.ok(["MS3003", "MS3004", "MS3010"].includes(d.code), `truncated at ${n}: ${d.code} ${d.message}`);
    assert.equal(d.file, "bad.gguf");
    assert.match(d.message, /\(at byte \d+\)$/);
    codes.add(d.code);
  }
  assert.deepEqual([...codes].sort(), ["MS3003", "MS3004", "MS3010"]);
});

test("exact diagnostics for hand-made bad headers", async () => {
  const cases: [Uint8Array, string, string][] = [
    [new TextEncoder().encode("GGML\x03\0\0\0"), "MS3001", 'not a GGUF file: it does not start with "GGUF" (at byte 0)'],
    [cat(MAGIC, u32(1)), "MS3002", "unsupported GGUF version 1: GGUF v1 is no longer supported (at byte 4)"],
    [cat(MAGIC, u32(0x03000000)), "MS3002", "unsupported GGUF version 50331648: big-endian GGUF is not supported (at byte 4)"],
    [header(1n << 60n, 0n), "MS3004", "the tensor count is 1152921504606846976, but only 16 bytes remain (at byte 8)"],
    [header(0n, 1n << 62n), "MS3004", "the metadata count is 4611686018427387904, but only 8 bytes remain (at byte 16)"],
    [header(0n, 1n, u64(1n << 50n), new Uint8Array(20)), "MS3004", "length of metadata key #0 is 1125899906842624, but only 20 bytes remain (at byte 24)"],
    [header(0n, 1n, str("k"), u32(13), new Uint8Array(8)), "MS3005", "metadata k has unknown value type 13 (at byte 33)"],
    [header(0n, 1n, str("k"), u32(GgufValueType.ARRAY), u32(GgufValueType.UINT32), u64(1n << 40n), new Uint8Array(40)), "MS3004", "the length of metadata k is 1099511627776, but only 40 bytes remain (at byte 41)"],
    [header(0n, 2n, str("k"), u32(GgufValueType.BOOL), new Uint8Array(1), str("k"), u32(GgufValueType.BOOL), new Uint8Array(1)), "MS3006", 'duplicate metadata key "k" (at byte 38)'],
    [header(0n, 1n, str("general.alignment"), u32(GgufValueType.UINT32), u32(12)), "MS3011", "general.alignment must be a non-zero power of two stored as uint32, got 12 (at byte 24)"],
    [header(1n, 0n, str("t"), u32(5), new Uint8Array(60)), "MS3008", "tensor t has 5 dimensions, at most 4 allowed (at byte 33)"],
    [header(1n, 0n, str("t"), u32(1), u64(4n), u32(99), u64(0n), new Uint8Array(32)), "MS3007", "tensor t has unknown ggml type 99 (at byte 45)"],
    [header(1n, 0n, str("t"), u32(1), u64(100n), u32(12), u64(0n), new Uint8Array(200)), "MS3008", "tensor t has rows of 100 elements, not a multiple of the Q4_K block size 256 (at byte 24)"],
    [header(1n, 0n, str("t"), u32(1), u64(4n), u32(0), u64(8n), new Uint8Array(100)), "MS3009", "tensor t data offset 8 is not a multiple of the alignment 32 (at byte 24)"],
    [header(1n, 0n, str("t"), u32(1), u64(1n << 52n), u32(0), u64(0n), new Uint8Array(100)), "MS3010", "tensor t data (18014398509481984 bytes at 64) ends beyond the end of the file (157 bytes) (at byte 24)"],
    [header(2n, 0n, str("t"), u32(1), u64(8n), u32(0), u64(0n), str("t"), u32(1), u64(8n), u32(0), u64(32n), new Uint8Array(100)), "MS3012", 'duplicate tensor name "t" (at byte 57)'],
    [header(2n, 0n, str("t"), u32(1), u64(16n), u32(0), u64(0n), str("u"), u32(1), u64(8n), u32(0), u64(32n), new Uint8Array(100)), "MS3012", "tensors t and u overlap (at byte 57)"],
  ];
  for (const [bytes, code, message] of cases) {
    const d = await failure(bytes);
    assert.deepEqual([d.code, d.message], [code, message]);
  }
});

test("arrays nested deeper than 16 are refused before the stack is at risk", async () => {
  const nest = [];
  for (let i = 0; i < 10000; i++) nest.push(u32(GgufValueType.ARRAY), u64(1n));
  const d = await failure(header(0n, 1n, str("k"), u32(GgufValueType.ARRAY), ...nest));
  assert.equal(d.code, "MS3005");
  assert.match(d.message, /^metadata k\[0\](\[0\]){15} nests arrays more than 16 deep/);
});

test("random bytes, with or without a valid prefix, only ever raise InputError", async () => {
  const valid = await ggufToBuffer(sampleInput());
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (tail, prefixed) => {
      const bytes = prefixed ? cat(MAGIC, u32(3), tail) : tail;
      await failure(bytes).catch((err: unknown) => {
        if (!(err instanceof assert.AssertionError)) throw err;
      });
    }),
    { numRuns: 500, seed: 7 },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
      const bytes = new Uint8Array(valid);
      for (const [at, b] of edits) bytes[at] = b;
      try {
        await readGguf(bufferSource(bytes));
      } catch (err) {
        assert.ok(err instanceof InputError, String(err));
      }
    }),
    { numRuns: 500, seed: 11 },
  );
});

test("a zero-tensor file may end right after its metadata", async () => {
  const input: GgufWriteInput = { metadata: [["a", gv.u8(1)]], tensors: [] };
  const bytes = await ggufToBuffer(input);
  const file = await readGguf(bufferSource(bytes.subarray(0, 24 + 9 + 4 + 1)));
  assert.equal(file.metadata.get("a")!.value, 1);
});
