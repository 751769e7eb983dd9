import { error, InputError } from "../diagnostics/index.js";
import { gv, type GgufMetadataEntry } from "../gguf/index.js";

/** Hyperparameters of a llama-architecture model. */
export interface LlamaShape {
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  vocabSize: number;
  contextLength: number;
}

export const LLAMA_SHAPE_KEYS = ["nEmbd", "nLayer", "nHead", "nHeadKv", "nFf", "vocabSize", "contextLength"] as const satisfies readonly (keyof LlamaShape)[];

/** What one tensor of a llama is, so a generator can choose its values. */
export type LlamaTensorRole = "embedding" | "norm" | "output" | "attn_q" | "attn_k" | "attn_v" | "attn_output" | "ffn_gate" | "ffn_up" | "ffn_down";

export interface LlamaTensorSlot {
  name: string;
  /** ggml order: dims[0] is the input (row) dimension. */
  dims: [number] | [number, number];
  role: LlamaTensorRole;
  layer?: number;
}

/** RMS norm epsilon written to llama.attention.layer_norm_rms_epsilon. */
export const LLAMA_RMS_EPS = 1e-5;
export const LLAMA_ROPE_FREQ_BASE = 10000;

/** Checks that the shape is one llama.cpp accepts: positive integers, heads dividing the width. */
export function checkLlamaShape(s: LlamaShape): void {
  const problems: string[] = [];
  for (const k of LLAMA_SHAPE_KEYS) {
    const v = s[k];
    if (!Number.isSafeInteger(v) || v <= 0) problems.push(`${k} must be a positive integer, got ${String(v)}`);
  }
  if (problems.length === 0) {
    if (s.nEmbd % s.nHead !== 0) problems.push(`nEmbd ${s.nEmbd} is not a multiple of nHead ${s.nHead}`);
    if (s.nHead % s.nHeadKv !== 0) problems.push(`nHead ${s.nHead} is not a multiple of nHeadKv ${s.nHeadKv}`);
    if ((s.nEmbd / s.nHead) % 2 !== 0) problems.push(`head size ${s.nEmbd / s.nHead} must be even for RoPE`);
  }
  if (problems.length > 0) throw new InputError(problems.map((p) => error("MS3013", `llama shape: ${p}`)));
}

/**
 * The tensors of a llama in the order they are written: token_embd, output_norm,
 * output, then per layer attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
 * ffn_gate, ffn_up, ffn_down (llama.cpp's names and shapes).
 */
export function llamaTensorSlots(s: LlamaShape): LlamaTensorSlot[] {
  const kv = (s.nEmbd / s.nHead) * s.nHeadKv;
  const slots: LlamaTensorSlot[] = [
    { name: "token_embd.weight", dims: [s.nEmbd, s.vocabSize], role: "embedding" },
    { name: "output_norm.weight", dims: [s.nEmbd], role: "norm" },
    { name: "output.weight", dims: [s.nEmbd, s.vocabSize], role: "output" },
  ];
  for (let layer = 0; layer < s.nLayer; layer++) {
    const b = `blk.${layer}`;
    slots.push(
      { name: `${b}.attn_norm.weight`, dims: [s.nEmbd], role: "norm", layer },
      { name: `${b}.attn_q.weight`, dims: [s.nEmbd, s.nEmbd], role: "attn_q", layer },
      { name: `${b}.attn_k.weight`, dims: [s.nEmbd, kv], role: "attn_k", layer },
      { name: `${b}.attn_v.weight`, dims: [s.nEmbd, kv], role: "attn_v", layer },
      { name: `${b}.attn_output.weight`, dims: [s.nEmbd, s.nEmbd], role: "attn_output", layer },
      { name: `${b}.ffn_norm.weight`, dims: [s.nEmbd], role: "norm", layer },
      { name: `${b}.ffn_gate.weight`, dims: [s.nEmbd, s.nFf], role: "ffn_gate", layer },
      { name: `${b}.ffn_up.weight`, dims: [s.nEmbd, s.nFf], role: "ffn_up", layer },
      { name: `${b}.ffn_down.weight`, dims: [s.nFf, s.nEmbd], role: "ffn_down", layer },
    );
  }
  return slots;
}

/** The `general.*` and `llama.*` metadata of a model with this shape. */
export function llamaMetadata(name: string, fileType: number, s: LlamaShape): [string, GgufMetadataEntry][] {
  return [
    ["general.architecture", gv.str("llama")],
    ["general.name", gv.str(name)],
    ["general.file_type", gv.u32(fileType)],
    ["llama.context_length", gv.u32(s.contextLength)],
    ["llama.embedding_length", gv.u32(s.nEmbd)],
    ["llama.block_count", gv.u32(s.nLayer)],
    ["llama.feed_forward_length", gv.u32(s.nFf)],
    ["llama.rope.dimension_count", gv.u32(s.nEmbd / s.nHead)],
    ["llama.rope.freq_base", gv.f32(LLAMA_ROPE_FREQ_BASE)],
    ["llama.attention.head_count", gv.u32(s.nHead)],
    ["llama.attention.head_count_kv", gv.u32(s.nHeadKv)],
    ["llama.attention.layer_norm_rms_epsilon", gv.f32(LLAMA_RMS_EPS)],
    ["llama.vocab_size", gv.u32(s.vocabSize)],
  ];
}
