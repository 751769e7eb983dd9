/**
 * Differential tests against llama.cpp's converter (convert_hf_to_gguf.py, from
 * the llama.cpp node-llama-cpp ships): on generated checkpoints of each
 * architecture, our GGUF is byte for byte theirs once general.name is the same
 * (the one normalization, docs/decisions.md "Checkpoint conversion"), and the
 * greedy text through node-llama-cpp is the same. Skipped, naming why, when
 * Debian's python3 with numpy/torch/sentencepiece/tqdm or spm_train is missing.
 */
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { getLlama, LlamaCompletion, type Llama } from "node-llama-cpp";
import { convertCheckpoint, type ConvertOutType } from "../../src/convert/index.js";
import { permuteRows } from "../../src/convert/tensor-data.js";
import { plainValue, readGgufFile, writeGguf, type GgufFile, type GgufTensorInput } from "../../src/gguf/index.js";
import type { HfTestArch } from "../../src/testmodels/index.js";
import { referenceMissing, runReference, spmTrainMissing, tensorBytes, unpermute, writeTestCheckpoint } from "./helpers.js";

const missing = referenceMissing() ?? spmTrainMissing();
const root = mkdtempSync(path.join(tmpdir(), "modelsmith-convert-diff-"));
let llama: Llama;

before(async () => {
  if (!missing) llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function metadataOf(g: GgufFile): Map<string, unknown> {
  return new Map([...g.metadata].filter(([k]) => k !== "general.name").map(([k, e]) => [k, [e.type, plainValue(e.value)]]));
}

async function greedy(file: string, prompt = "hello world the"): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: file });
  try {
    const context = await model.createContext({ contextSize: 128, threads: 1 });
    try {
      const tokens: number[] = [];
      await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletion(prompt, { maxTokens: 12, temperature: 0, onToken: (t) => tokens.push(...t) });
      return tokens;
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** Converts with both and checks: same metadata (but general.name), same tensor infos and bytes, then the same file given the same name. */
async function compare(dir: string, outType: ConvertOutType, pre: string | undefined, tag: string): Promise<{ ours: string; ref: string }> {
  const ref = path.join(root, `${tag}-ref.gguf`);
  const ours = path.join(root, `${tag}-ours.gguf`);
  await runReference(dir, outType.toLowerCase() as "f16", ref, pre);
  const theirs = await readGgufFile(ref);
  const name = String(theirs.metadata.get("general.name")!.value);
  await convertCheckpoint({ dir, outPath: ours, outType, name });
  const mine = await readGgufFile(ours);
  assert.deepEqual(metadataOf(mine), metadataOf(theirs));
  assert.deepEqual(mine.tensors.map((t) => [t.name, t.dims, t.typeName]), theirs.tensors.map((t) => [t.name, t.dims, t.typeName]));
  for (const t of theirs.tensors) assert.ok((await tensorBytes(ours, mine, t.name)).equals(await tensorBytes(ref, theirs, t.name)), `tensor ${t.name} differs`);
  assert.ok((await readFile(ours)).equals(await readFile(ref)), "files differ");
  return { ours, ref };
}

const LONGROPE = { max_position_embeddings: 1024, rope_scaling: { type: "longrope", long_factor: [1, 1.37, 1.74, 2.11, 2.48, 2.85, 3.22, 3.59], short_factor: [1, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07] } };

const CASES: { arch: HfTestArch; tokenizer: "spm" | "bpe"; outTypes: ConvertOutType[]; what: string; config?: Record<string, unknown> }[] = [
  { arch: "llama", tokenizer: "bpe", outTypes: ["F16", "F32", "BF16"], what: "Llama 3.1 style: byte-level BPE, llama3 rope scaling (rope_freqs), GQA, two shards, F16 weights" },
  { arch: "llama", tokenizer: "spm", outTypes: ["F16"], what: "Llama 2 style: SentencePiece trained by spm_train, BF16 weights" },
  { arch: "mistral", tokenizer: "spm", outTypes: ["F16"], what: "Mistral: SentencePiece" },
  { arch: "qwen2", tokenizer: "bpe", outTypes: ["F16"], what: "Qwen 2: q/k/v biases, Qwen's pre-tokenizer, F32 weights" },
  { arch: "gemma2", tokenizer: "spm", outTypes: ["F16"], what: "Gemma 2: norms stored minus one, softcapping, tied embeddings" },
  { arch: "phi3", tokenizer: "spm", outTypes: ["F16"], what: "Phi 3: fused qkv and gate_up, sliding window" },
  { arch: "phi3", tokenizer: "spm", outTypes: ["F16"], what: "Phi 3 128k: longrope factors and attention factor", config: LONGROPE },
];

describe("our converter against llama.cpp's convert_hf_to_gguf.py", { skip: missing }, () => {
  for (const c of CASES) {
    test(`${c.arch} (${c.what}): same GGUF, same greedy text`, async () => {
      const dir = path.join(root, `${c.arch}-${c.tokenizer}${c.config ? "-extra" : ""}`);
      const { pre } = await writeTestCheckpoint(dir, c.arch, c.tokenizer, c.config ? { config: c.config } : {});
      let first: { ours: string; ref: string } | undefined;
      for (const outType of c.outTypes) {
        const r = await compare(dir, outType, pre, `${path.basename(dir)}-${outType}`);
        first ??= r;
      }
      const ours = await greedy(first!.ours);
      assert.ok(ours.length > 0);
      assert.deepEqual(ours, await greedy(first!.ref));
    });
  }

  // HF stores q/k rows in rotate-half order; llama.cpp's LlamaModel.permute reorders them:
  // https://github.com/ggml-org/llama.cpp/blob/master/convert_hf_to_gguf.py (conversion/llama.py, LlamaModel.permute)
  test("without the q/k permutation the greedy text changes", async () => {
    // Sharp attention (q/k scaled up) and no rope scaling, so that attention, and so RoPE's pairing of q/k dims, decides the text.
    const dir = path.join(root, "llama-permute");
    await writeTestCheckpoint(dir, "llama", "bpe", { qkScale: 16, config: { rope_scaling: null, rope_theta: 10000.0 } });
    const ours = path.join(root, "permute-ours.gguf");
    const unpermuted = path.join(root, "permute-missing.gguf");
    await convertCheckpoint({ dir, outPath: ours, outType: "F32" });
    const g = await readGgufFile(ours);
    const heads = Number(g.metadata.get("llama.attention.head_count")!.value);
    const kvHeads = Number(g.metadata.get("llama.attention.head_count_kv")!.value);
    const tensors: GgufTensorInput[] = [];
    for (const t of g.tensors) {
      let data: Uint8Array = await tensorBytes(ours, g, t.name);
      const n = /attn_q\.weight$/.test(t.name) ? heads : /attn_k\.weight$/.test(t.name) ? kvHeads : 0;
      if (n > 0) data = unpermute(data, t.dims[1]!, t.dims[0]! * 4, n);
      tensors.push({ name: t.name, dims: t.dims, type: t.type, data });
    }
    await writeGguf(unpermuted, { metadata: g.metadata, tensors });
    // The inverse really is the inverse: permuting again gives our bytes back.
    const q = g.tensors.find((t) => t.name === "blk.0.attn_q.weight")!;
    const back = permuteRows(await tensorBytes(unpermuted, await readGgufFile(unpermuted), q.name), q.dims[1]!, q.dims[0]! * 4, heads);
    assert.ok(Buffer.from(back).equals(await tensorBytes(ours, g, q.name)));
    const prompt = "the quick brown fox jumps over the lazy dog and the water is blue";
    assert.notDeepEqual(await greedy(unpermuted, prompt), await greedy(ours, prompt));
  });
});

