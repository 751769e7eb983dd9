/**
 * MS3091 for every architecture whose tensors follow llama's names: the shapes
 * llama.cpp's loader creates for them (src/models/<arch>.cpp in the llama.cpp
 * node-llama-cpp 3.21.1 bundles), and no false alarm on a model that fits.
 *
 * - create_tensor_qkv (q, k, v or a fused qkv): https://github.com/ggml-org/llama.cpp/blob/master/src/llama-model.cpp
 * - qwen2's attn_output {n_embd, n_embd}: https://github.com/ggml-org/llama.cpp/blob/master/src/models/qwen2.cpp
 * - qwen3's attn_q_norm {n_embd_head_k}: https://github.com/ggml-org/llama.cpp/blob/master/src/models/qwen3.cpp
 * - phi3's ffn_up {n_embd, 2 * n_ff}: https://github.com/ggml-org/llama.cpp/blob/master/src/models/phi3.cpp
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama } from "node-llama-cpp";
import { describe, it } from "node:test";
import { hyperparameterProblems } from "../../src/gguf/hparams.js";
import { bufferSource, ggufToBuffer, gv, readGguf, type GgufMetadataEntry, type GgufWriteInput } from "../../src/gguf/index.js";
import { randomLlama } from "../../src/testmodels/index.js";

const SHAPE = { seed: 7, tensorType: "F32", name: "shapes", nEmbd: 64, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 96, vocabSize: 300, contextLength: 256 } as const;

/** The small random llama, its `llama.*` keys renamed to `arch.*`, with `set` applied. */
function asArch(arch: string, set: Record<string, GgufMetadataEntry> = {}): GgufWriteInput {
  const input = randomLlama(SHAPE);
  const metadata = [...input.metadata].map(([k, v]): [string, GgufMetadataEntry] => {
    const key = k.startsWith("llama.") ? `${arch}.${k.slice(6)}` : k;
    if (key === "general.architecture") return [key, gv.str(arch)];
    return [key, set[key] ?? v];
  });
  return { ...input, metadata };
}

async function problems(input: GgufWriteInput) {
  return hyperparameterProblems(await readGguf(bufferSource(await ggufToBuffer(input))));
}

describe("tensor shapes against the metadata, per architecture", () => {
  for (const arch of ["llama", "qwen2", "qwen3", "gemma2", "granite", "mistral3", "smollm3", "internlm2"]) {
    it(`${arch}: a model that fits has no problem; head_count_kv 2 makes attn_k MS3091`, async () => {
      assert.deepEqual(await problems(asArch(arch)), []);
      const p = await problems(asArch(arch, { [`${arch}.attention.head_count_kv`]: gv.u32(2) }));
      assert.equal(p[0]?.code, "MS3091", JSON.stringify(p));
      assert.equal(p[0]?.key, "blk.0.attn_k.weight");
      assert.match(p[0]!.message, new RegExp(`\\[64, 64\\], but the metadata \\(${arch}\\.\\*\\) gives \\[64, 32\\]`));
    });
  }

  it("phi3 wants ffn_up twice n_ff wide (its gate and up are fused)", async () => {
    const p = await problems(asArch("phi3"));
    assert.deepEqual(p.map((x) => [x.code, x.key]), [["MS3091", "blk.0.ffn_up.weight"]]);
    assert.match(p[0]!.message, /gives \[64, 192\]/);
  });

  it("qwen2 and llama assert rope.dimension_count is the head size; gemma2 does not", async () => {
    for (const arch of ["qwen2", "llama"]) {
      const p = await problems(asArch(arch, { [`${arch}.rope.dimension_count`]: gv.u32(8) }));
      assert.deepEqual(p.map((x) => [x.code, x.key]), [["MS3090", `${arch}.rope.dimension_count`]]);
    }
    assert.deepEqual(await problems(asArch("gemma2", { "gemma2.rope.dimension_count": gv.u32(8) })), []);
  });

  it("an architecture outside the table gets the hyperparameter checks only", async () => {
    assert.deepEqual(await problems(asArch("falcon", { "falcon.attention.head_count_kv": gv.u32(2) })), []);
    const p = await problems(asArch("falcon", { "falcon.attention.head_count_kv": gv.u32(8) }));
    assert.deepEqual(p.map((x) => [x.code, x.key]), [["MS3090", "falcon.attention.head_count_kv"]]);
  });

  it("llama.cpp itself loads the qwen2 that we pass, and refuses the one we refuse (no false alarm)", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "layout-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
    const good = path.join(dir, "good.gguf");
    writeFileSync(good, await ggufToBuffer(asArch("qwen2")));
    const model = await llama.loadModel({ modelPath: good });
    await model.dispose();
    const bad = path.join(dir, "bad.gguf");
    writeFileSync(bad, await ggufToBuffer(asArch("qwen2", { "qwen2.attention.head_count_kv": gv.u32(2) })));
    await assert.rejects(llama.loadModel({ modelPath: bad }));
  });
});
