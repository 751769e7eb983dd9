import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { EnvironmentError, InputError, ModelsmithError } from "../../src/diagnostics/errors.js";
import { quantize, type QuantizeProgress } from "../../src/quantize/index.js";
import { readGgufFile } from "../../src/gguf/reader.js";
import { llamaTensorSlots } from "../../src/testmodels/llamaShape.js";
import { legacyImatrix, writeGgufImatrix } from "./imatrix-files.js";
import { fileType, SMALL_SHAPE, tempDir, tensorCount, tensorTypes, writeRandomLlama } from "./models.js";

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const listDir = (dir: string) => fs.readdirSync(dir).sort();

async function rejection(p: Promise<unknown>): Promise<ModelsmithError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ModelsmithError, `expected a ModelsmithError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a rejection");
}

test("F32 -> Q8_0 and Q4_K_M: file type, size, progress for every tensor, nothing else left", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  for (const [type, ftype] of [["Q8_0", 7], ["q4_k_m", 15]] as const) {
    const output = path.join(dir, `out-${type}.gguf`);
    const progress: QuantizeProgress[] = [];
    const result = await quantize({ input, output, type, threads: 2, onProgress: (p) => progress.push(p) });
    assert.equal(result.quantizer, "library");
    assert.equal(result.type.ftype, ftype);
    assert.equal(result.outputSize, fs.statSync(output).size);
    assert.equal(await fileType(output), ftype);
    const n = tensorCount(SMALL_SHAPE);
    assert.deepEqual(progress, Array.from({ length: n }, (_, i) => ({ tensorsDone: i + 1, tensorsTotal: n })));
  }
  assert.deepEqual(listDir(dir), ["out-Q8_0.gguf", "out-q4_k_m.gguf", "random-1-F32.gguf"]);
  // Q4_K_M is a mix: llama.cpp's choices for this 2-layer model, pinned
  // (use_more_bits gives Q6_K to attn_v and ffn_down of the last layer only).
  assert.deepEqual(await tensorTypes(path.join(dir, "out-q4_k_m.gguf")), {
    "output.weight": "Q6_K", "output_norm.weight": "F32", "token_embd.weight": "Q4_K",
    "blk.0.attn_k.weight": "Q4_K", "blk.0.attn_norm.weight": "F32", "blk.0.attn_output.weight": "Q4_K", "blk.0.attn_q.weight": "Q4_K",
    "blk.0.attn_v.weight": "Q4_K", "blk.0.ffn_down.weight": "Q4_K", "blk.0.ffn_gate.weight": "Q4_K", "blk.0.ffn_norm.weight": "F32", "blk.0.ffn_up.weight": "Q4_K",
    "blk.1.attn_k.weight": "Q4_K", "blk.1.attn_norm.weight": "F32", "blk.1.attn_output.weight": "Q4_K", "blk.1.attn_q.weight": "Q4_K",
    "blk.1.attn_v.weight": "Q6_K", "blk.1.ffn_down.weight": "Q6_K", "blk.1.ffn_gate.weight": "Q4_K", "blk.1.ffn_norm.weight": "F32", "blk.1.ffn_up.weight": "Q4_K",
  });
});

test("onLog receives llama.cpp's log lines", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const lines: string[] = [];
  await quantize({ input, output: path.join(dir, "out.gguf"), type: "Q8_0", onLog: (l) => lines.push(l.text) });
  assert.equal(
    lines.find((l) => l.startsWith("[   1/  21]")),
    "[   1/  21] output.weight                        - [   256,    300,      1,      1], type =    f32, converting to q8_0 .. size =     0.29 MiB ->     0.08 MiB",
  );
  assert.ok(lines.some((l) => l.startsWith("llama_model_quantize_impl: quant size  =")));
});

test("the same input and type give the same bytes, whatever the thread count; F16 input works too", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir, { tensorType: "F16" });
  const a = path.join(dir, "a.gguf");
  const b = path.join(dir, "b.gguf");
  await quantize({ input, output: a, type: "Q4_K_M", threads: 1 });
  await quantize({ input, output: b, type: "Q4_K_M", threads: 2 });
  assert.equal(sha256(a), sha256(b));
  assert.equal(await fileType(a), 15);
  // An existing output is replaced.
  await quantize({ input, output: b, type: "Q8_0" });
  assert.equal(await fileType(b), 7);
});

test("input errors are InputErrors with their codes, and nothing is written", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const output = path.join(dir, "out.gguf");
  const notGguf = path.join(dir, "notes.txt");
  fs.writeFileSync(notGguf, "hello, not a model\n");
  const truncated = path.join(dir, "truncated.gguf");
  fs.writeFileSync(truncated, fs.readFileSync(input).subarray(0, 1_000_000));
  const cases: [string, () => Promise<unknown>, string, string][] = [
    ["unknown type", () => quantize({ input, output, type: "Q4_K_N" }), "MS5501", 'unknown quantization type "Q4_K_N"'],
    ["needs imatrix", () => quantize({ input, output, type: "iq2_xxs" }), "MS5502", "quantization type IQ2_XXS needs an importance matrix"],
    ["missing input", () => quantize({ input: path.join(dir, "nope.gguf"), output, type: "Q8_0" }), "MS5503", `input model not found: ${path.join(dir, "nope.gguf")}`],
    ["not GGUF", () => quantize({ input: notGguf, output, type: "Q8_0" }), "MS5504", `${notGguf} is not a GGUF file (it does not start with "GGUF")`],
    ["truncated", () => quantize({ input: truncated, output, type: "Q8_0" }), "MS5505",
      `llama.cpp could not quantize ${truncated}: tensor 'blk.0.attn_k.weight' data is not within the file bounds, model is corrupted or incomplete`],
    ["same file", () => quantize({ input, output: input, type: "Q8_0" }), "MS5509", `input and output are the same file: ${input}`],
  ];
  for (const [what, promise, code, message] of cases) {
    const e = await rejection(promise());
    assert.ok(e instanceof InputError, what);
    assert.deepEqual([e.diagnostics[0]!.code, e.diagnostics[0]!.message], [code, message], what);
  }
  const noDir = await rejection(quantize({ input, output: path.join(dir, "missing-dir", "out.gguf"), type: "Q8_0" }));
  assert.ok(noDir instanceof EnvironmentError);
  assert.equal(noDir.diagnostics[0]!.code, "MS5510");
  assert.deepEqual(listDir(dir), ["notes.txt", "random-1-F32.gguf", "truncated.gguf"]);
});

test("a failure leaves an existing output untouched", async (t) => {
  const dir = tempDir(t);
  const output = path.join(dir, "out.gguf");
  fs.writeFileSync(output, "previous build");
  const truncated = path.join(dir, "truncated.gguf");
  fs.writeFileSync(truncated, fs.readFileSync(await writeRandomLlama(dir)).subarray(0, 1_000_000));
  const e = await rejection(quantize({ input: truncated, output, type: "Q8_0" }));
  assert.equal(e.diagnostics[0]!.code, "MS5505");
  assert.equal(fs.readFileSync(output, "utf8"), "previous build");
});

/** IQ3_S takes long enough on this model (a lookup grid, then ~20 tensors) to be stopped part-way. */
const SLOW_TYPE = "IQ3_S";

test("killing the quantizer process mid-way: EnvironmentError MS5506, no output, no partial file", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const output = path.join(dir, "out.gguf");
  let pid = 0;
  const seen: QuantizeProgress[] = [];
  const e = await rejection(
    quantize({
      input, output, type: SLOW_TYPE, threads: 1,
      onSpawn: (p) => (pid = p),
      onProgress: (p) => {
        if (seen.push(p) === 1) process.kill(pid, "SIGKILL");
      },
    }),
  );
  assert.ok(e instanceof EnvironmentError);
  assert.equal(e.diagnostics[0]!.code, "MS5506");
  assert.equal(e.diagnostics[0]!.message, "the quantizer process was killed by SIGKILL before it finished");
  assert.ok(seen.length < tensorCount(SMALL_SHAPE), "killed before the end");
  assert.deepEqual(listDir(dir), ["random-1-F32.gguf"]);
});

test("cancelling with an AbortSignal: EnvironmentError MS5511, no output, no partial file", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const output = path.join(dir, "out.gguf");
  const controller = new AbortController();
  const e = await rejection(quantize({ input, output, type: SLOW_TYPE, threads: 1, signal: controller.signal, onProgress: () => controller.abort() }));
  assert.ok(e instanceof EnvironmentError);
  assert.deepEqual([e.diagnostics[0]!.code, e.diagnostics[0]!.message], ["MS5511", "quantization interrupted; no output was written"]);
  assert.deepEqual(listDir(dir), ["random-1-F32.gguf"]);
  // Already aborted: nothing starts.
  const early = await rejection(quantize({ input, output, type: "Q8_0", signal: AbortSignal.abort() }));
  assert.equal(early.diagnostics[0]!.code, "MS5511");
});

test("when the main process dies mid-way, the orphaned quantizer removes its partial file", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const output = path.join(dir, "out.gguf");
  const api = new URL("../../src/quantize/index.js", import.meta.url).href;
  const script = `import { quantize } from ${JSON.stringify(api)};
await quantize({ input: ${JSON.stringify(input)}, output: ${JSON.stringify(output)}, type: "${SLOW_TYPE}", threads: 1, onProgress: () => console.log("progress") });`;
  const parent = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => parent.stdout.once("data", () => resolve()));
  const partial = () => listDir(dir).filter((f) => f.endsWith(".partial"));
  assert.equal(partial().length, 1, "the quantizer is writing");
  parent.kill("SIGKILL");
  for (let i = 0; i < 100 && partial().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(listDir(dir), ["random-1-F32.gguf"]);
});

test("an importance matrix, legacy or GGUF, is used; both formats give the same bytes", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const values = (pattern: (i: number) => number) =>
    new Map(llamaTensorSlots(SMALL_SHAPE).filter((s) => s.dims.length === 2).map((s) => [s.name, Float32Array.from({ length: s.dims[0] }, (_, i) => pattern(i))] as const));
  const varied = values((i) => 0.25 + (i % 8) / 4);
  fs.writeFileSync(path.join(dir, "varied.dat"), legacyImatrix(varied, 2, { chunks: 4, dataset: "test.txt" }));
  await writeGgufImatrix(path.join(dir, "varied.gguf"), varied, 4);
  fs.writeFileSync(path.join(dir, "flat.dat"), legacyImatrix(values(() => 1), 1));
  // Q2_K_S needs an imatrix and, unlike the IQ types, builds no lookup grid first: fast.
  const out = (name: string) => path.join(dir, `${name}.Q2_K_S.gguf`);
  for (const name of ["varied.dat", "varied.gguf", "flat.dat"]) {
    const r = await quantize({ input, output: out(name), type: "Q2_K_S", imatrix: path.join(dir, name), threads: 2 });
    assert.equal(r.type.name, "Q2_K_S");
    assert.equal(await fileType(out(name)), 21);
  }
  // llama-quantize's provenance keys, with the file's base name.
  const meta = async (file: string) => {
    const m = (await readGgufFile(file)).metadata;
    return Object.fromEntries([...m].filter(([k]) => k.startsWith("quantize.")).map(([k, v]) => [k, v.value]));
  };
  assert.deepEqual(await meta(out("varied.dat")), {
    "quantize.imatrix.file": "varied.dat",
    "quantize.imatrix.dataset": "test.txt",
    "quantize.imatrix.entries_count": 16,
    "quantize.imatrix.chunks_count": 4,
  });
  assert.deepEqual(await meta(out("flat.dat")), { "quantize.imatrix.file": "flat.dat", "quantize.imatrix.entries_count": 16 });
  // Same values, same tensors, whichever format carried them.
  const data = async (file: string) => fs.readFileSync(file).subarray((await readGgufFile(file)).dataOffset);
  assert.ok((await data(out("varied.dat"))).equals(await data(out("varied.gguf"))));
  assert.ok(!(await data(out("varied.dat"))).equals(await data(out("flat.dat"))));
});

test("a bad importance matrix is InputError MS5508", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const text = path.join(dir, "imatrix.txt");
  fs.writeFileSync(text, "not an imatrix");
  const noMeta = path.join(dir, "nometa.gguf");
  await writeGgufImatrix(noMeta, new Map([["blk.0.attn_q.weight", new Float32Array(256).fill(1)]]), 1, false);
  for (const [file, message] of [
    [text, "invalid importance matrix: the file ends inside the name of entry 1"],
    [noMeta, "invalid importance matrix: missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size)"],
    [path.join(dir, "absent.dat"), `cannot read importance matrix: ENOENT: no such file or directory, open '${path.join(dir, "absent.dat")}'`],
  ] as const) {
    const e = await rejection(quantize({ input, output: path.join(dir, "out.gguf"), type: "IQ2_XXS", imatrix: file }));
    assert.ok(e instanceof InputError);
    assert.deepEqual(e.diagnostics, [{ code: "MS5508", severity: "error", message, file }]);
  }
  assert.ok(!fs.existsSync(path.join(dir, "out.gguf")));
});
