/**
 * The fallback quantizer, `llama-quantize`: its argument list, the PATH
 * search, and, with a real llama-quantize compiled from the bundled llama.cpp
 * (tools/llama-quantize-build.ts; skipped without g++), that it gives the same
 * tensors as the library path, with and without an imatrix, and the same
 * errors.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { EnvironmentError, InputError, ModelsmithError } from "../../src/diagnostics/errors.js";
import { readGgufFile } from "../../src/gguf/reader.js";
import { findOnPath, llamaQuantizeArgs } from "../../src/quantize/binary.js";
import { quantize, type QuantizeProgress } from "../../src/quantize/index.js";
import { llamaTensorSlots } from "../../src/testmodels/llamaShape.js";
import { legacyImatrix, writeGgufImatrix } from "./imatrix-files.js";
import { buildLlamaQuantize } from "../../tools/llama-quantize-build.js";
import { fileType, SMALL_SHAPE, tempDir, tensorCount, writeRandomLlama } from "./models.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** sha256 of each tensor's data, by name: equal tensors whatever the metadata. */
async function tensorDigests(file: string): Promise<Record<string, string>> {
  const bytes = fs.readFileSync(file);
  const gguf = await readGgufFile(file);
  return Object.fromEntries(gguf.tensors.map((t) => [t.name, `${t.typeName}:${sha256(bytes.subarray(t.fileOffset, t.fileOffset + t.size))}`]));
}

test("llama-quantize arguments", () => {
  assert.deepEqual(llamaQuantizeArgs({ input: "/m/in.gguf", output: "/m/.out.partial", typeName: "Q4_K_M", threads: 0 }), ["/m/in.gguf", "/m/.out.partial", "Q4_K_M", "0"]);
  assert.deepEqual(llamaQuantizeArgs({ input: "a", output: "b", typeName: "IQ2_XXS", threads: 4, imatrix: "/m/i.dat" }), ["--imatrix", "/m/i.dat", "a", "b", "IQ2_XXS", "4"]);
});

test("findOnPath finds the first executable file of that name", (t) => {
  const dir = tempDir(t);
  for (const d of ["a", "b", "c"]) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, "a", "llama-quantize"), "not executable", { mode: 0o644 });
  fs.mkdirSync(path.join(dir, "b", "llama-quantize")); // a directory
  fs.writeFileSync(path.join(dir, "c", "llama-quantize"), "#!/bin/sh\n", { mode: 0o755 });
  const envPath = ["", ...["a", "b", "c"].map((d) => path.join(dir, d))].join(path.delimiter);
  assert.equal(findOnPath("llama-quantize", envPath), path.join(dir, "c", "llama-quantize"));
  assert.equal(findOnPath("llama-quantize", path.join(dir, "a")), undefined);
});

test("a quantizer that cannot run is EnvironmentError MS5507", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const missing = path.join(dir, "no-such-llama-quantize");
  try {
    await quantize({ input, output: path.join(dir, "out.gguf"), type: "Q8_0", quantizer: { binary: missing } });
    assert.fail("expected a rejection");
  } catch (e) {
    assert.ok(e instanceof EnvironmentError);
    assert.deepEqual(e.diagnostics, [{ code: "MS5507", severity: "error", message: `cannot run ${missing}: spawn ${missing} ENOENT` }]);
  }
  assert.deepEqual(fs.readdirSync(dir), ["random-1-F32.gguf"]);
});

test("the real llama-quantize: same bytes as the library, progress, errors", async (t) => {
  const binary = buildLlamaQuantize();
  if (binary === undefined) return t.skip("cannot build llama-quantize here (needs g++, git and tar)");
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  const viaLibrary = path.join(dir, "lib.gguf");
  const viaBinary = path.join(dir, "bin.gguf");
  await quantize({ input, output: viaLibrary, type: "Q4_K_M", threads: 2 });
  const progress: QuantizeProgress[] = [];
  const r = await quantize({ input, output: viaBinary, type: "q4_k_m", threads: 2, quantizer: { binary }, onProgress: (p) => progress.push(p) });
  assert.equal(r.quantizer, "binary");
  assert.equal(r.outputSize, fs.statSync(viaBinary).size);
  assert.equal(sha256(fs.readFileSync(viaBinary)), sha256(fs.readFileSync(viaLibrary)));
  const n = tensorCount(SMALL_SHAPE);
  assert.deepEqual(progress, Array.from({ length: n }, (_, i) => ({ tensorsDone: i + 1, tensorsTotal: n })));

  const truncated = path.join(dir, "truncated.gguf");
  fs.writeFileSync(truncated, fs.readFileSync(input).subarray(0, 1_000_000));
  const failures: ModelsmithError[] = [];
  for (const quantizer of ["library", { binary }] as const) {
    await quantize({ input: truncated, output: path.join(dir, "t.gguf"), type: "Q8_0", quantizer }).catch((e: ModelsmithError) => failures.push(e));
  }
  assert.equal(failures.length, 2);
  assert.ok(failures.every((e) => e instanceof InputError));
  assert.deepEqual(failures[1]!.diagnostics[0]!.message, failures[0]!.diagnostics[0]!.message);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["bin.gguf", "lib.gguf", "random-1-F32.gguf", "truncated.gguf"]);
});

test("llama.cpp's own imatrix loader and ours give the same tensors and metadata: the same bytes", async (t) => {
  const binary = buildLlamaQuantize();
  if (binary === undefined) return t.skip("cannot build llama-quantize here (needs g++, git and tar)");
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  // Values whose normalization (sum / count) is not exact in binary, so both loaders must divide the same way.
  const values = new Map(
    llamaTensorSlots(SMALL_SHAPE)
      .filter((s) => s.dims.length === 2)
      .map((s, k) => [s.name, Float32Array.from({ length: s.dims[0] }, (_, i) => 0.1 + ((i * 7 + k) % 13) / 3)] as const),
  );
  fs.writeFileSync(path.join(dir, "i.dat"), legacyImatrix(values, 3, { chunks: 3, dataset: "wiki.txt" }));
  await writeGgufImatrix(path.join(dir, "i.gguf"), values, 5);
  for (const name of ["i.dat", "i.gguf"]) {
    const imatrix = path.join(dir, name);
    const lib = path.join(dir, `${name}.lib.gguf`);
    const bin = path.join(dir, `${name}.bin.gguf`);
    await quantize({ input, output: lib, type: "Q2_K_S", imatrix, threads: 2 });
    await quantize({ input, output: bin, type: "Q2_K_S", imatrix, threads: 2, quantizer: { binary } });
    assert.equal(await fileType(bin), 21);
    assert.deepEqual(await tensorDigests(lib), await tensorDigests(bin), name);
    assert.equal(sha256(fs.readFileSync(lib)), sha256(fs.readFileSync(bin)), name);
  }
});

test("a SIGKILL of the CLI takes the fallback llama-quantize with it (a sleeping stand-in for the program)", async (t) => {
  if (process.platform !== "linux" || findOnPath("setpriv") === undefined) return t.skip("needs Linux and util-linux's setpriv");
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir);
  // The stand-in writes its pid, then sleeps as a long quantize would.
  const standIn = path.join(dir, "llama-quantize");
  const pidFile = path.join(dir, "quantize.pid");
  fs.writeFileSync(standIn, `#!/bin/sh\necho $$ > ${JSON.stringify(pidFile)}\nexec sleep 60\n`, { mode: 0o755 });
  const quantizeJs = new URL("../../src/quantize/index.js", import.meta.url).href;
  const script = `import { quantize } from ${JSON.stringify(quantizeJs)};
await quantize({ input: ${JSON.stringify(input)}, output: ${JSON.stringify(path.join(dir, "out.gguf"))}, type: "Q8_0", quantizer: { binary: ${JSON.stringify(standIn)} } });`;
  const { spawn } = await import("node:child_process");
  const parent = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
  t.after(() => parent.kill("SIGKILL"));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
      return false;
    }
  };
  let pid = 0;
  for (let i = 0; i < 200 && pid === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (fs.existsSync(pidFile)) pid = Number(fs.readFileSync(pidFile, "utf8").trim()) || 0;
  }
  assert.ok(pid > 0, "the stand-in never started");
  t.after(() => {
    if (alive(pid)) process.kill(pid, "SIGKILL");
  });
  assert.ok(alive(pid));
  parent.kill("SIGKILL");
  let gone = false;
  for (let i = 0; i < 40 && !gone; i++) {
    await new Promise((r) => setTimeout(r, 50));
    gone = !alive(pid);
  }
  assert.ok(gone, "llama-quantize outlived its parent by 2 s");
});
