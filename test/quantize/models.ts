import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { readGgufFile } from "../../src/gguf/reader.js";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import type { LlamaShape } from "../../src/testmodels/llamaShape.js";

/**
 * Test inputs: a small random-weight llama whose row lengths are all 256 (so
 * every quantization type applies), written with src/testmodels.
 */
export const SMALL_SHAPE: LlamaShape = { nEmbd: 256, nLayer: 2, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 256 };

/** Tensor count of a llama: token_embd, output_norm, output, 9 per layer. */
export const tensorCount = (shape: LlamaShape) => 3 + 9 * shape.nLayer;

/** A fresh directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-quantize-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeRandomLlama(dir: string, opts: { seed?: number; tensorType?: "F32" | "F16"; shape?: LlamaShape } = {}): Promise<string> {
  const file = path.join(dir, `random-${opts.seed ?? 1}-${opts.tensorType ?? "F32"}.gguf`);
  await writeTestModel(file, { kind: "random", seed: opts.seed ?? 1, tensorType: opts.tensorType ?? "F32", name: "random", ...(opts.shape ?? SMALL_SHAPE) });
  return file;
}

/** `general.file_type` of a GGUF file. */
export async function fileType(file: string): Promise<number> {
  const v = (await readGgufFile(file)).metadata.get("general.file_type")?.value;
  return Number(v);
}

/** The ggml type names of a GGUF file's tensors, by tensor name. */
export async function tensorTypes(file: string): Promise<Record<string, string>> {
  return Object.fromEntries((await readGgufFile(file)).tensors.map((t) => [t.name, t.typeName]));
}
