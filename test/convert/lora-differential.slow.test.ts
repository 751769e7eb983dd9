/**
 * Differential tests against llama.cpp's convert_lora_to_gguf.py (from the
 * llama.cpp node-llama-cpp ships, run with Debian's python3 and the stand-ins
 * of test/fixtures/hf-standins): on generated base checkpoints and PEFT
 * adapters, our adapter GGUF is byte for byte theirs once general.name is the
 * same (the one normalization, docs/decisions.md "PEFT LoRA adapters"), and
 * applied through node-llama-cpp (as run and serve apply an ADAPTER) both give
 * the same greedy text, which differs from the base's alone; at the
 * reference's default `--outtype f32` and at f16 and bf16 (`convert:`). Skipped, naming
 * why, when Debian's python3 with numpy/torch/sentencepiece/tqdm or spm_train
 * is missing.
 */
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { getLlama, LlamaCompletion, type Llama } from "node-llama-cpp";
import { convertCheckpoint, convertPeftAdapter, loraBaseOf } from "../../src/convert/index.js";
import { plainValue, readGgufFile, writeGguf, type GgufTensorInput } from "../../src/gguf/index.js";
import { writePeftAdapter, type HfTestArch, type PeftAdapterSpec } from "../../src/testmodels/index.js";
import type { ConvertOutType } from "../../src/convert/version.js";
import { checkpointSpec, referenceMissing, runLoraReference, spmTrainMissing, tensorBytes, unpermute, writeTestCheckpoint } from "./helpers.js";

const missing = referenceMissing() ?? spmTrainMissing();
const root = mkdtempSync(path.join(tmpdir(), "modelsmith-lora-diff-"));
let llama: Llama;

before(async () => {
  if (!missing) llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Greedy token ids of the base GGUF with these adapters applied at scale 1 (src/runtime/open-model.ts applies an ADAPTER so). */
async function greedy(model: string, adapters: string[], prompt: string): Promise<number[]> {
  const m = await llama.loadModel({ modelPath: model });
  try {
    const context = await m.createContext({ contextSize: 128, threads: 1, ...(adapters.length ? { lora: { adapters: adapters.map((filePath) => ({ filePath, scale: 1 })) } } : {}) });
    try {
      const tokens: number[] = [];
      await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletion(prompt, { maxTokens: 16, temperature: 0, onToken: (t) => tokens.push(...t) });
      return tokens;
    } finally {
      await context.dispose();
    }
  } finally {
    await m.dispose();
  }
}

interface Converted {
  base: string;
  ours: string;
  ref: string;
}

/** Writes the base and the adapter, converts the base (ours, F32) and the adapter with both, and checks the files are equal. */
async function compare(tag: string, arch: HfTestArch, tokenizer: "spm" | "bpe", adapter: Omit<PeftAdapterSpec, "base">, baseExtra: Parameters<typeof writeTestCheckpoint>[3] = {}, outType: ConvertOutType = "F32"): Promise<Converted> {
  const ckpt = path.join(root, `${tag}-base`);
  await writeTestCheckpoint(ckpt, arch, tokenizer, baseExtra);
  const lora = path.join(root, `${tag}-lora`);
  await writePeftAdapter(lora, { base: checkpointSpec(ckpt, arch), ...adapter });
  const base = path.join(root, `${tag}-base.gguf`);
  await convertCheckpoint({ dir: ckpt, outPath: base, outType: "F32" });
  const ref = path.join(root, `${tag}-ref.gguf`);
  // `--outtype f32` is the reference's default; f16 and bf16 as `convert:` asks for them.
  await runLoraReference(lora, ckpt, ref, outType === "F32" ? [] : ["--outtype", outType.toLowerCase()]);
  const theirs = await readGgufFile(ref);
  const ours = path.join(root, `${tag}-ours.gguf`);
  await convertPeftAdapter({ dir: lora, shown: lora, at: {}, base: loraBaseOf(await readGgufFile(base), lora, {}), outPath: ours, name: String(theirs.metadata.get("general.name")!.value), outType });
  assert.ok(theirs.tensors.every((t) => t.typeName === outType), `the reference wrote ${[...new Set(theirs.tensors.map((t) => t.typeName))].join(", ")}`);
  const mine = await readGgufFile(ours);
  assert.deepEqual([...mine.metadata].map(([k, e]) => [k, e.type, plainValue(e.value)]), [...theirs.metadata].map(([k, e]) => [k, e.type, plainValue(e.value)]));
  assert.deepEqual(mine.tensors.map((t) => [t.name, t.dims, t.typeName]), theirs.tensors.map((t) => [t.name, t.dims, t.typeName]));
  for (const t of theirs.tensors) assert.ok((await tensorBytes(ours, mine, t.name)).equals(await tensorBytes(ref, theirs, t.name)), `tensor ${t.name} differs`);
  assert.ok((await readFile(ours)).equals(await readFile(ref)), "files differ");
  return { base, ours, ref };
}

const ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
const PROMPT = "the quick brown fox jumps over the lazy dog and the water is blue";

describe("our adapter converter against llama.cpp's convert_lora_to_gguf.py", { skip: missing }, () => {
  const CASES: { tag: string; arch: HfTestArch; tokenizer: "spm" | "bpe"; adapter: Omit<PeftAdapterSpec, "base">; what: string; sameAsBase?: true; outType?: ConvertOutType }[] = [
    { tag: "llama", arch: "llama", tokenizer: "bpe", adapter: { seed: 11, dtype: "BF16", targets: ALL, embeddings: true, scale: 4 }, what: "Llama 3 style base (GQA, two shards), BF16 adapter on every projection and the embeddings" },
    { tag: "mistral", arch: "mistral", tokenizer: "spm", adapter: { seed: 12, dtype: "F16", r: 8, alpha: 8, scale: 4 }, what: "Mistral base, F16 adapter of rank 8 on q/k/v/o" },
    { tag: "qwen2", arch: "qwen2", tokenizer: "bpe", adapter: { seed: 13, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "down_proj"], scale: 4 }, what: "Qwen 2 base (no q/k permutation, q/k/v biases), F32 adapter" },
    { tag: "gemma2", arch: "gemma2", tokenizer: "spm", adapter: { seed: 14, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], scale: 4 }, what: "Gemma 2 base (tied embeddings, norms minus one), F32 adapter", sameAsBase: true },
    { tag: "phi3", arch: "phi3", tokenizer: "spm", adapter: { seed: 15, targets: ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"], scale: 4 }, what: "Phi 3 base: fused qkv and gate_up modules" },
    // `convert: F16` / `BF16` (the reference's --outtype f16 / bf16): BF16 and F32 weights rounded to F16 (the embeddings' A transposed first), F16 ones to BF16.
    { tag: "llama-f16", arch: "llama", tokenizer: "bpe", adapter: { seed: 16, dtype: "BF16", targets: ALL, embeddings: true, scale: 4 }, what: "BF16 adapter on every projection and the embeddings, written F16 (--outtype f16)", outType: "F16" },
    { tag: "qwen2-f16", arch: "qwen2", tokenizer: "bpe", adapter: { seed: 17, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "down_proj"], scale: 4 }, what: "F32 adapter written F16 (--outtype f16)", outType: "F16" },
    { tag: "mistral-bf16", arch: "mistral", tokenizer: "spm", adapter: { seed: 18, dtype: "F16", r: 8, alpha: 8, scale: 4 }, what: "F16 adapter written BF16 (--outtype bf16)", outType: "BF16" },
  ];
  for (const c of CASES) {
    test(`${c.arch} (${c.what}): same GGUF; same greedy text with either adapter, not the base's`, async () => {
      const { base, ours, ref } = await compare(c.tag, c.arch, c.tokenizer, c.adapter, {}, c.outType);
      const plain = await greedy(base, [], PROMPT);
      const mine = await greedy(base, [ours], PROMPT);
      assert.ok(mine.length > 0);
      assert.deepEqual(mine, await greedy(base, [ref], PROMPT));
      // The random Gemma 2 says token 299 over and over with or without an adapter (its tied, softcapped output dominates):
      // there the files' bytes are the check.
      if (c.sameAsBase) assert.deepEqual(mine, plain);
      else assert.notDeepEqual(mine, plain);
    });
  }

  // The reference permutes lora_B's rows of q/k as LlamaModel.permute permutes the weights (LoraTorchTensor.permute):
  // https://github.com/ggml-org/llama.cpp/blob/master/convert_lora_to_gguf.py
  test("without the q/k permutation of lora_B the greedy text changes", async () => {
    // Sharp attention (q/k scaled up) and no rope scaling, so that RoPE's pairing of q/k dims decides the text; a strong q/k-only adapter.
    const { base, ours } = await compare("permute", "llama", "bpe", { seed: 21, targets: ["q_proj", "k_proj"], scale: 16 }, { qkScale: 16, config: { rope_scaling: null, rope_theta: 10000.0 } });
    const g = await readGgufFile(ours);
    const b = await readGgufFile(base);
    const heads = Number(b.metadata.get("llama.attention.head_count")!.value);
    const kvHeads = Number(b.metadata.get("llama.attention.head_count_kv")!.value);
    const tensors: GgufTensorInput[] = [];
    for (const t of g.tensors) {
      let data: Uint8Array = await tensorBytes(ours, g, t.name);
      const n = /attn_q\.weight\.lora_b$/.test(t.name) ? heads : /attn_k\.weight\.lora_b$/.test(t.name) ? kvHeads : 0;
      if (n > 0) data = unpermute(data, t.dims[1]!, t.dims[0]! * 4, n);
      tensors.push({ name: t.name, dims: t.dims, type: t.type, data });
    }
    const unpermuted = path.join(root, "permute-missing.gguf");
    await writeGguf(unpermuted, { metadata: g.metadata, tensors });
    const right = await greedy(base, [ours], PROMPT);
    assert.notDeepEqual(right, await greedy(base, [], PROMPT));
    assert.notDeepEqual(await greedy(base, [unpermuted], PROMPT), right);
  });
});

