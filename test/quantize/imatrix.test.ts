import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/diagnostics/errors.js";
import { loadImatrix, parseLegacyImatrix } from "../../src/quantize/imatrix.js";
import { legacyImatrix, writeGgufImatrix } from "./imatrix-files.js";
import { tempDir } from "./models.js";

const entries = (m: Map<string, Float32Array>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));

test("legacy .dat: values are sum / ncall, the trailer gives chunks and dataset", () => {
  const bytes = legacyImatrix(new Map([["blk.0.attn_q.weight", new Float32Array([0.5, 1, 2])], ["output.weight", new Float32Array([4])]]), 4, { chunks: 10, dataset: "wiki.train.raw" });
  const m = parseLegacyImatrix(bytes);
  assert.deepEqual(entries(m.entries), { "blk.0.attn_q.weight": [0.5, 1, 2], "output.weight": [4] });
  assert.deepEqual([m.chunkCount, m.datasets], [10, ["wiki.train.raw"]]);
  const bare = parseLegacyImatrix(legacyImatrix(new Map([["x", new Float32Array([3])]]), 1));
  assert.deepEqual([entries(bare.entries), bare.chunkCount, bare.datasets], [{ x: [3] }, 0, []]);
});

test("legacy .dat: ncall 0 keeps the sums as they are", () => {
  const b = Buffer.alloc(4 + 4 + 1 + 4 + 4 + 8);
  let o = b.writeInt32LE(1, 0);
  o = b.writeInt32LE(1, o);
  o += b.write("w", o);
  o = b.writeInt32LE(0, o);
  o = b.writeInt32LE(2, o);
  o = b.writeFloatLE(1.5, o);
  b.writeFloatLE(-2, o);
  assert.deepEqual(entries(parseLegacyImatrix(b).entries), { w: [1.5, -2] });
});

test("legacy .dat: truncated and empty files are MS5508", () => {
  const good = legacyImatrix(new Map([["blk.0.ffn_up.weight", new Float32Array(8).fill(1)]]), 1);
  const cases: [Buffer, string][] = [
    [Buffer.alloc(0), "invalid importance matrix: no entries (neither a GGUF nor a legacy imatrix file)"],
    [good.subarray(0, 10), "invalid importance matrix: the file ends inside the name of entry 1"],
    [good.subarray(0, good.length - 4), "invalid importance matrix: the file ends inside the values of blk.0.ffn_up.weight"],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => parseLegacyImatrix(bytes, "i.dat"), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(e.diagnostics, [{ code: "MS5508", severity: "error", message, file: "i.dat" }]);
      return true;
    });
  }
});

test("GGUF: values are in_sum2 / count, with datasets and chunk count", async (t) => {
  const file = path.join(tempDir(t), "imatrix.gguf");
  await writeGgufImatrix(file, new Map([["blk.0.attn_k.weight", new Float32Array([1, 0.25, 3])]]), 8);
  const m = await loadImatrix(file);
  assert.deepEqual(entries(m.entries), { "blk.0.attn_k.weight": [1, 0.25, 3] });
  assert.deepEqual([m.chunkCount, m.datasets], [4, ["test.txt"]]);
});
