/**
 * The architectures modelsmith converts, each as llama.cpp's convert_hf_to_gguf.py
 * converts it (conversion/llama.py LlamaModel, qwen.py Qwen2Model, gemma.py
 * Gemma2Model, phi.py Phi3MiniModel): the GGUF architecture, the tensor names, which tensors are
 * permuted or shifted, and the hyperparameters in the order llama.cpp writes them.
 */
import { error, InputError } from "../diagnostics/index.js";
import { gv, type GgufMetadataEntry } from "../gguf/index.js";
import type { JsonObject } from "./json-file.js";

type Entry = [string, GgufMetadataEntry];

export interface ArchHparams {
  blockCount: number;
  nHead: number;
  nHeadKv: number;
  hidden: number;
  headDim: number;
  ffn: number;
  vocabSize: number;
}

export interface Architecture {
  /** general.architecture */
  gguf: string;
  /** Undo HF's rotate-half q/k layout (LlamaModel.undo_permute). */
  permuteQK: boolean;
  /** Norm weights are stored minus one (Gemma): add 1 when converting. */
  normPlusOne: boolean;
  /** HF tensors dropped (Gemma 2 does not use lm_head). */
  skip: (name: string) => boolean;
  /** Tensor-name suffixes (after `model.layers.N.`) to GGUF `blk.N.` names. */
  layerTensors: Record<string, string>;
  /** Tokenizer kinds the reference accepts for it; "phi3": Phi3MiniModel.set_vocab's SentencePiece variant. */
  vocab: "spm-or-bpe" | "spm" | "phi3";
  /** Metadata after general.* (the `file_type` value is given), in llama.cpp's order. */
  params(config: JsonObject, h: ArchHparams, fileType: number): Entry[];
  /** Metadata the reference writes before the tokenizer (Gemma 2: add_space_prefix false, after it). */
  vocabExtra?: Entry[];
}

const COMMON_LAYER: Record<string, string> = {
  "input_layernorm": "attn_norm",
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "post_attention_layernorm": "ffn_norm",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};

function num(config: JsonObject, keys: string[]): number | undefined {
  for (const k of keys) if (typeof config[k] === "number") return config[k] as number;
  return undefined;
}

/** TextModel.set_gguf_parameters, for the keys these dense architectures have. */
function textModelParams(arch: string, config: JsonObject, h: ArchHparams, fileType: number): Entry[] {
  const out: Entry[] = [[`${arch}.block_count`, gv.u32(h.blockCount)]];
  const ctx = num(config, ["max_position_embeddings", "n_ctx", "n_positions", "max_length", "max_sequence_length", "model_max_length"]);
  if (ctx !== undefined) out.push([`${arch}.context_length`, gv.u32(ctx)]);
  out.push([`${arch}.embedding_length`, gv.u32(h.hidden)]);
  out.push([`${arch}.feed_forward_length`, gv.u32(h.ffn)]);
  out.push([`${arch}.attention.head_count`, gv.u32(h.nHead)]);
  if (num(config, ["num_key_value_heads", "n_kv_heads"]) !== undefined) out.push([`${arch}.attention.head_count_kv`, gv.u32(h.nHeadKv)]);
  const rope = ropeParameters(config);
  const ropeType = rope.rope_type ?? rope.type;
  if (typeof ropeType === "string") {
    const factor = typeof rope.factor === "number" ? rope.factor : undefined;
    if (ropeType === "linear" && factor !== undefined) {
      out.push([`${arch}.rope.scaling.type`, gv.str("linear")], [`${arch}.rope.scaling.factor`, gv.f32(factor)]);
    } else if (ropeType === "yarn" && factor !== undefined) {
      out.push([`${arch}.rope.scaling.type`, gv.str("yarn")], [`${arch}.rope.scaling.factor`, gv.f32(factor)]);
      out.push([`${arch}.rope.scaling.original_context_length`, gv.u32(Number(rope.original_max_position_embeddings ?? config.original_max_position_embeddings))]);
      const opt: [string, unknown][] = [
        ["yarn_ext_factor", rope.extrapolation_factor],
        ["yarn_attn_factor", rope.attention_factor ?? rope.attn_factor],
        ["yarn_beta_fast", rope.beta_fast],
        ["yarn_beta_slow", rope.beta_slow],
      ];
      for (const [k, v] of opt) if (typeof v === "number") out.push([`${arch}.rope.scaling.${k}`, gv.f32(v)]);
    } else if (ropeType !== "llama3" && ropeType !== "default") {
      throw new InputError(error("MS3201", `config.json: rope_scaling type "${ropeType}" is not one modelsmith converts (linear, yarn, llama3)`, { hint: "Convert it with llama.cpp's convert_hf_to_gguf.py and FROM the .gguf." }));
    }
  }
  const theta = typeof rope.rope_theta === "number" ? rope.rope_theta : num(config, ["rope_theta", "rotary_emb_base"]);
  if (theta !== undefined) out.push([`${arch}.rope.freq_base`, gv.f32(theta)]);
  const rms = num(config, ["rms_norm_eps", "norm_eps"]);
  if (rms !== undefined) out.push([`${arch}.attention.layer_norm_rms_epsilon`, gv.f32(rms)]);
  if (typeof config.head_dim === "number") out.push([`${arch}.attention.key_length`, gv.u32(config.head_dim)], [`${arch}.attention.value_length`, gv.u32(config.head_dim)]);
  out.push(["general.file_type", gv.u32(fileType)]);
  return out;
}

/** `rope_parameters` or `rope_scaling` of config.json (TextModel.__init__). */
export function ropeParameters(config: JsonObject): JsonObject {
  const r = config.rope_parameters ?? config.rope_scaling;
  return typeof r === "object" && r !== null ? (r as JsonObject) : {};
}

const llama: Architecture = {
  gguf: "llama",
  permuteQK: true,
  normPlusOne: false,
  skip: () => false,
  layerTensors: COMMON_LAYER,
  vocab: "spm-or-bpe",
  params: (config, h, ft) => [
    ...textModelParams("llama", config, h, ft),
    ["llama.vocab_size", gv.u32(h.vocabSize)],
    ["llama.rope.dimension_count", gv.u32(typeof config.head_dim === "number" ? config.head_dim : h.hidden / h.nHead)],
  ],
};

const qwen2: Architecture = {
  gguf: "qwen2",
  permuteQK: false,
  normPlusOne: false,
  skip: () => false,
  layerTensors: COMMON_LAYER,
  vocab: "spm-or-bpe",
  params: (config, h, ft) => textModelParams("qwen2", config, h, ft),
};

const gemma2: Architecture = {
  gguf: "gemma2",
  permuteQK: false,
  normPlusOne: true,
  skip: (name) => name === "lm_head.weight",
  layerTensors: {
    ...COMMON_LAYER,
    "post_attention_layernorm": "post_attention_norm",
    "pre_feedforward_layernorm": "ffn_norm",
    "post_feedforward_layernorm": "post_ffw_norm",
  },
  vocab: "spm",
  params: (config, h, ft) => {
    const need = (k: string) => {
      if (typeof config[k] !== "number") throw new InputError(error("MS3201", `config.json: Gemma 2 needs a number "${k}"`));
      return config[k] as number;
    };
    return [
      ["gemma2.context_length", gv.u32(need("max_position_embeddings"))],
      ["gemma2.embedding_length", gv.u32(h.hidden)],
      ["gemma2.block_count", gv.u32(h.blockCount)],
      ["gemma2.feed_forward_length", gv.u32(h.ffn)],
      ["gemma2.attention.head_count", gv.u32(h.nHead)],
      ["gemma2.attention.head_count_kv", gv.u32(h.nHeadKv)],
      ["gemma2.attention.layer_norm_rms_epsilon", gv.f32(need("rms_norm_eps"))],
      ["gemma2.attention.key_length", gv.u32(need("head_dim"))],
      ["gemma2.attention.value_length", gv.u32(need("head_dim"))],
      ["general.file_type", gv.u32(ft)],
      ["gemma2.attn_logit_softcapping", gv.f32(need("attn_logit_softcapping"))],
      ["gemma2.final_logit_softcapping", gv.f32(need("final_logit_softcapping"))],
      ["gemma2.attention.sliding_window", gv.u32(need("sliding_window"))],
    ];
  },
};

const phi3: Architecture = {
  gguf: "phi3",
  permuteQK: false,
  normPlusOne: false,
  skip: () => false,
  layerTensors: {
    "input_layernorm": "attn_norm",
    "self_attn.qkv_proj": "attn_qkv",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
  },
  vocab: "phi3",
  // conversion/phi.py Phi3MiniModel.set_gguf_parameters
  params: (config, h, ft) => {
    const rope = ropeParameters(config);
    const need = (v: unknown, k: string) => {
      if (typeof v !== "number") throw new InputError(error("MS3201", `config.json: Phi 3 needs a number "${k}"`));
      return v;
    };
    const rotPct = typeof rope.partial_rotary_factor === "number" ? rope.partial_rotary_factor : typeof config.partial_rotary_factor === "number" ? config.partial_rotary_factor : 1;
    const theta = typeof rope.rope_theta === "number" ? rope.rope_theta : config.rope_theta;
    return [
      ["phi3.context_length", gv.u32(need(num(config, ["n_positions", "max_position_embeddings"]), "max_position_embeddings"))],
      ["phi3.rope.scaling.original_context_length", gv.u32(need(rope.original_max_position_embeddings ?? config.original_max_position_embeddings, "original_max_position_embeddings"))],
      ["phi3.embedding_length", gv.u32(h.hidden)],
      ["phi3.feed_forward_length", gv.u32(h.ffn)],
      ["phi3.block_count", gv.u32(h.blockCount)],
      ["phi3.attention.head_count", gv.u32(h.nHead)],
      ["phi3.attention.head_count_kv", gv.u32(h.nHeadKv)],
      ["phi3.attention.layer_norm_rms_epsilon", gv.f32(need(config.rms_norm_eps, "rms_norm_eps"))],
      ["phi3.rope.dimension_count", gv.u32(Math.floor(Math.floor(rotPct * h.hidden) / h.nHead))],
      ["phi3.rope.freq_base", gv.f32(need(theta, "rope_theta"))],
      ["general.file_type", gv.u32(ft)],
      ["phi3.attention.sliding_window", gv.u32(typeof config.sliding_window === "number" ? config.sliding_window : 0)],
    ];
  },
};

/** HF `architectures[0]` to the converter, as llama.cpp registers them. */
export const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  LlamaForCausalLM: llama,
  LLaMAForCausalLM: llama,
  MistralForCausalLM: llama,
  Qwen2ForCausalLM: qwen2,
  Gemma2ForCausalLM: gemma2,
  Phi3ForCausalLM: phi3,
};

export function architectureOf(config: JsonObject, configPath: string): { hfArch: string; arch: Architecture } {
  const list = config.architectures;
  const hfArch = Array.isArray(list) && typeof list[0] === "string" ? list[0] : undefined;
  const supported = Object.keys(ARCHITECTURES).join(", ");
  if (hfArch === undefined) {
    throw new InputError(error("MS3201", `config.json: no "architectures" list naming the model class`, { file: configPath, hint: `modelsmith converts ${supported}.` }));
  }
  const arch = ARCHITECTURES[hfArch];
  if (!arch) {
    throw new InputError(error("MS3202", `config.json: architecture ${hfArch} is not supported; modelsmith converts ${supported}`, { file: configPath, hint: "Convert it with llama.cpp's convert_hf_to_gguf.py and FROM the .gguf." }));
  }
  return { hfArch, arch };
}
