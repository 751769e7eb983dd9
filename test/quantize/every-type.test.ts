/**
 * Runs the pinned llama.cpp (in this process, through the FFI) with every
 * type of the table on a one-layer llama: the types marked `requiresImatrix`
 * are exactly those llama.cpp refuses without an importance matrix, all of
 * two of them succeed with one (the others build lookup grids that take
 * seconds even for this model), and every output records the type's ftype.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { openLibllama } from "../../src/quantize/ffi.js";
import { findLibllama } from "../../src/quantize/library.js";
import { LlamaLog } from "../../src/quantize/llama-log.js";
import { QUANT_TYPES, type QuantType } from "../../src/quantize/types.js";
import { llamaTensorSlots } from "../../src/testmodels/llamaShape.js";
import { fileType, SMALL_SHAPE, tempDir, writeRandomLlama } from "./models.js";

const SHAPE = { ...SMALL_SHAPE, nLayer: 1 };

function library() {
  const found = findLibllama();
  assert.ok("path" in found, "reason" in found ? found.reason : "");
  const lib = openLibllama(found.path);
  let log = new LlamaLog();
  lib.setLog((level, text) => log.push(level, text));
  lib.backendInit();
  return {
    lib,
    async run(input: string, output: string, type: QuantType, imatrix?: unknown) {
      log = new LlamaLog();
      const params = { ...lib.defaultParams(), ftype: type.ftype, only_copy: type.onlyCopy, nthread: 2, imatrix: imatrix ?? null };
      const rc = await lib.quantize(input, output, params);
      log.end();
      return { rc, reason: log.failureReason() };
    },
  };
}

test("without an imatrix, llama.cpp refuses exactly the types marked requiresImatrix", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir, { seed: 3, shape: SHAPE });
  const { run } = library();
  const outcomes: Record<string, string> = {};
  const expected: Record<string, string> = {};
  for (const type of QUANT_TYPES) {
    const output = path.join(dir, `${type.name}.gguf`);
    const { rc, reason } = await run(input, output, type);
    outcomes[type.name] = rc === 0 ? `ok, file type ${await fileType(output)}` : `refused: ${reason}`;
    expected[type.name] = type.requiresImatrix ? "refused: this quantization requires an imatrix!" : `ok, file type ${type.onlyCopy ? 0 : type.ftype}`;
  }
  assert.deepEqual(outcomes, expected);
});

test("with an imatrix, types that need one succeed", async (t) => {
  const dir = tempDir(t);
  const input = await writeRandomLlama(dir, { seed: 3, shape: SHAPE });
  const { lib, run } = library();
  const entries = new Map(
    llamaTensorSlots(SHAPE)
      .filter((s) => s.dims.length === 2)
      .map((s) => [s.name, new Float32Array(s.dims[0]).fill(1)] as const),
  );
  const imatrix = lib.encodeImatrix(entries);
  t.after(() => imatrix.free());
  const outcomes: Record<string, number> = {};
  for (const type of ["IQ2_XXS", "Q2_K_S"].map((n) => QUANT_TYPES.find((q) => q.name === n)!)) {
    const output = path.join(dir, `${type.name}.gguf`);
    const { rc, reason } = await run(input, output, type, imatrix.pointer);
    assert.equal(rc, 0, `${type.name}: ${reason}`);
    outcomes[type.name] = await fileType(output);
  }
  assert.deepEqual(outcomes, { IQ2_XXS: 19, Q2_K_S: 21 });
});
