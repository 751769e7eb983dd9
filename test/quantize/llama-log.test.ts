import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { LlamaLog, type QuantizeProgress } from "../../src/quantize/llama-log.js";
import { fromRoot } from "../helpers/paths.js";

/** Log fragments exactly as llama.cpp's callback received them (recorded from the pinned library). */
function fixture(name: string): { rc: number; fragments: [number, string][] } {
  return JSON.parse(fs.readFileSync(fromRoot("test/fixtures/quantize", `${name}.log.json`), "utf8")) as { rc: number; fragments: [number, string][] };
}

function replay(fragments: [number, string][]): { log: LlamaLog; progress: QuantizeProgress[] } {
  const progress: QuantizeProgress[] = [];
  const log = new LlamaLog((p) => progress.push(p));
  for (const [level, text] of fragments) log.push(level, text);
  log.end();
  return { log, progress };
}

test("a successful Q4_K_M run reports each of its 12 tensors once, in order", () => {
  const { log, progress } = replay(fixture("q4_k_m").fragments);
  assert.deepEqual(progress, Array.from({ length: 12 }, (_, i) => ({ tensorsDone: i + 1, tensorsTotal: 12 })));
  assert.equal(log.failureReason(), undefined);
  assert.deepEqual(log.errorDetails(), []);
  const tensorLine = log.lines.find((l) => l.text.startsWith("[   1/  12]"));
  assert.equal(
    tensorLine?.text,
    "[   1/  12] output.weight                        - [   256,    300,      1,      1], type =    f32, converting to q6_K .. size =     0.29 MiB ->     0.06 MiB",
  );
});

test("a missing imatrix: the reason and the banner's lines, no progress", () => {
  const { log, progress } = replay(fixture("iq2_xxs-no-imatrix").fragments);
  assert.deepEqual(progress, []);
  assert.equal(log.failureReason(), "this quantization requires an imatrix!");
  assert.deepEqual(log.errorDetails(), [
    "ERROR: this quantization requires an importance matrix!",
    "- offending tensor: blk.0.attn_k.weight",
    "- target type: iq2_xxs",
  ]);
});

test("a non-GGUF input: llama.cpp's loader reason and ggml's detail", () => {
  const { log } = replay(fixture("not-gguf").fragments);
  assert.equal(log.failureReason(), "llama_model_loader: failed to load model from /in/notgguf.txt");
  assert.deepEqual(log.errorDetails(), ["gguf_init_from_reader: invalid magic characters: 'hell', expected 'GGUF'"]);
});

test("CONT fragments take the previous level; a line's level is its first fragment's", () => {
  const log = new LlamaLog();
  log.push(4, "disk ");
  log.push(5, "full\n");
  log.push(2, "[ 3/ 9] x");
  log.push(4, " oops\nlast");
  log.end();
  assert.deepEqual(log.lines, [
    { level: 4, text: "disk full" },
    { level: 2, text: "[ 3/ 9] x oops" },
    { level: 4, text: "last" },
  ]);
  assert.deepEqual(log.progress, { tensorsDone: 3, tensorsTotal: 9 });
});

test("however the text is cut into fragments, the lines and progress are the same", () => {
  const { fragments } = fixture("q4_k_m");
  const text = fragments.map(([, t]) => t).join("");
  const expected = replay(fragments);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 40 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), text.length];
      const pieces: [number, string][] = points.slice(1).map((end, i) => [2, text.slice(points[i], end)]);
      const got = replay(pieces);
      assert.deepEqual(got.log.lines, expected.log.lines);
      assert.deepEqual(got.progress, expected.progress);
    }),
    { numRuns: 100 },
  );
});
