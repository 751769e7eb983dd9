import { writeGguf, type GgufTensor, type GgufValue } from "./gguf-writer.js";

/**
 * A deterministic random-weight llama for quantization tests: every row length
 * is 256 so every k-quant, i-quant and ternary type applies; F32 weights; an SPM
 * vocabulary of 3 specials, the 256 byte tokens and a few words.
 * The same `seed` and shape give the same bytes.
 */
export interface TinyLlamaShape {
  layers: number;
  seed: number;
}

const N_EMBD = 256;
const N_FF = 256;
const WORDS = ["▁hello", "▁world", "▁the", "▁a", "▁model", "▁smith", "▁is", "▁tiny", "▁and", "▁fast"];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tinyLlamaVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  tokens.push(...WORDS);
  types.push(...WORDS.map(() => 1));
  const scores = tokens.map((_, i) => (types[i] === 1 ? -i : 0));
  return { tokens, scores, types };
}

export function tinyLlamaGguf({ layers, seed }: TinyLlamaShape): Buffer {
  const vocab = tinyLlamaVocab();
  const nVocab = vocab.tokens.length;
  const rand = mulberry32(seed);
  const random = (dims: number[], scale: number): Float32Array => {
    const a = new Float32Array(dims.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = (rand() * 2 - 1) * scale;
    return a;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const tensors: GgufTensor[] = [
    { name: "token_embd.weight", dims: [N_EMBD, nVocab], data: random([N_EMBD, nVocab], 0.5) },
    { name: "output_norm.weight", dims: [N_EMBD], data: ones(N_EMBD) },
    { name: "output.weight", dims: [N_EMBD, nVocab], data: random([N_EMBD, nVocab], 0.1) },
  ];
  for (let i = 0; i < layers; i++) {
    const b = `blk.${i}.`;
    tensors.push(
      { name: `${b}attn_norm.weight`, dims: [N_EMBD], data: ones(N_EMBD) },
      { name: `${b}attn_q.weight`, dims: [N_EMBD, N_EMBD], data: random([N_EMBD, N_EMBD], 0.05) },
      { name: `${b}attn_k.weight`, dims: [N_EMBD, N_EMBD], data: random([N_EMBD, N_EMBD], 0.05) },
      { name: `${b}attn_v.weight`, dims: [N_EMBD, N_EMBD], data: random([N_EMBD, N_EMBD], 0.05) },
      { name: `${b}attn_output.weight`, dims: [N_EMBD, N_EMBD], data: random([N_EMBD, N_EMBD], 0.05) },
      { name: `${b}ffn_norm.weight`, dims: [N_EMBD], data: ones(N_EMBD) },
      { name: `${b}ffn_gate.weight`, dims: [N_EMBD, N_FF], data: random([N_EMBD, N_FF], 0.05) },
      { name: `${b}ffn_up.weight`, dims: [N_EMBD, N_FF], data: random([N_EMBD, N_FF], 0.05) },
      { name: `${b}ffn_down.weight`, dims: [N_FF, N_EMBD], data: random([N_FF, N_EMBD], 0.05) },
    );
  }
  const metadata: Array<[string, GgufValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "tiny-llama" }],
    ["general.file_type", { type: "u32", value: 0 }],
    ["llama.context_length", { type: "u32", value: 256 }],
    ["llama.embedding_length", { type: "u32", value: N_EMBD }],
    ["llama.block_count", { type: "u32", value: layers }],
    ["llama.feed_forward_length", { type: "u32", value: N_FF }],
    ["llama.attention.head_count", { type: "u32", value: 2 }],
    ["llama.attention.head_count_kv", { type: "u32", value: 2 }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.rope.dimension_count", { type: "u32", value: N_EMBD / 2 }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: 2 }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
  ];
  return writeGguf(metadata, tensors);
}

/** Names of the tensors whose rows the imatrix covers (every 2-D layer weight). */
export function tinyLlamaMatrixNames(layers: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < layers; i++) {
    for (const t of ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]) names.push(`blk.${i}.${t}.weight`);
  }
  return names;
}
