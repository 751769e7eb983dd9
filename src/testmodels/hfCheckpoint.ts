/**
 * Hugging Face checkpoint folders with random weights, for the converter's tests:
 * config.json, model.safetensors (or shards with model.safetensors.index.json),
 * a byte-level BPE tokenizer.json (see {@link byteLevelBpeTokenizer}) or none
 * (the caller adds a tokenizer.model trained with spm_train), tokenizer_config.json.
 * Deterministic: the bytes depend on nothing but the spec.
 */
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { safetensorsHeader } from "../convert/safetensors.js";
import { encodeFloats, GgmlType } from "../gguf/index.js";
import { Xoshiro128 } from "./prng.js";

export type HfTestArch = "llama" | "mistral" | "qwen2" | "gemma2" | "phi3";

export interface HfCheckpointSpec {
  arch: HfTestArch;
  seed: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocabSize: number;
  /** Storage dtype of the weights; default F16 */
  dtype?: "F32" | "F16" | "BF16";
  /** Split the tensors over this many shards with an index; default 1 (one model.safetensors). */
  shards?: number;
  /** Multiplies the q and k projections (sharper attention, so that RoPE and the q/k layout matter); default 1. */
  qkScale?: number;
  /** Extra keys merged into config.json (rope_scaling, tie_word_embeddings, bos_token_id ...). */
  config?: Record<string, unknown>;
}

const HF_ARCH: Record<HfTestArch, { architecture: string; modelType: string }> = {
  llama: { architecture: "LlamaForCausalLM", modelType: "llama" },
  mistral: { architecture: "MistralForCausalLM", modelType: "mistral" },
  qwen2: { architecture: "Qwen2ForCausalLM", modelType: "qwen2" },
  gemma2: { architecture: "Gemma2ForCausalLM", modelType: "gemma2" },
  phi3: { architecture: "Phi3ForCausalLM", modelType: "phi3" },
};

/** config.json of the spec (the caller's `config` keys override). */
export function hfConfig(spec: HfCheckpointSpec): Record<string, unknown> {
  const a = HF_ARCH[spec.arch];
  const headDim = spec.hidden / spec.heads;
  const base: Record<string, unknown> = {
    architectures: [a.architecture],
    model_type: a.modelType,
    hidden_size: spec.hidden,
    intermediate_size: spec.ffn,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    vocab_size: spec.vocabSize,
    torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16" }[spec.dtype ?? "F16"],
    tie_word_embeddings: spec.arch === "gemma2",
  };
  if (spec.arch === "gemma2") {
    Object.assign(base, {
      head_dim: headDim,
      query_pre_attn_scalar: headDim,
      attn_logit_softcapping: 50.0,
      final_logit_softcapping: 30.0,
      sliding_window: 128,
      rms_norm_eps: 1e-6,
      hidden_activation: "gelu_pytorch_tanh",
    });
  }
  if (spec.arch === "phi3") Object.assign(base, { original_max_position_embeddings: 256, sliding_window: 255 });
  return { ...base, ...spec.config };
}

/** HF tensor names and row-major shapes of the spec, in the order HF saves them. */
export function hfTensorShapes(spec: HfCheckpointSpec, config = hfConfig(spec)): [string, number[]][] {
  const H = spec.hidden;
  const hd = spec.hidden / spec.heads;
  const q = spec.heads * hd;
  const kv = spec.kvHeads * hd;
  const out: [string, number[]][] = [["model.embed_tokens.weight", [spec.vocabSize, H]]];
  for (let i = 0; i < spec.layers; i++) {
    const p = `model.layers.${i}.`;
    out.push([`${p}input_layernorm.weight`, [H]]);
    if (spec.arch === "phi3") {
      out.push([`${p}self_attn.qkv_proj.weight`, [q + 2 * kv, H]], [`${p}self_attn.o_proj.weight`, [H, q]]);
      out.push([`${p}mlp.gate_up_proj.weight`, [2 * spec.ffn, H]], [`${p}mlp.down_proj.weight`, [H, spec.ffn]]);
      out.push([`${p}post_attention_layernorm.weight`, [H]]);
      continue;
    }
    out.push([`${p}self_attn.q_proj.weight`, [q, H]], [`${p}self_attn.k_proj.weight`, [kv, H]], [`${p}self_attn.v_proj.weight`, [kv, H]]);
    if (spec.arch === "qwen2") out.push([`${p}self_attn.q_proj.bias`, [q]], [`${p}self_attn.k_proj.bias`, [kv]], [`${p}self_attn.v_proj.bias`, [kv]]);
    out.push([`${p}self_attn.o_proj.weight`, [H, q]]);
    out.push([`${p}mlp.gate_proj.weight`, [spec.ffn, H]], [`${p}mlp.up_proj.weight`, [spec.ffn, H]], [`${p}mlp.down_proj.weight`, [H, spec.ffn]]);
    out.push([`${p}post_attention_layernorm.weight`, [H]]);
    if (spec.arch === "gemma2") out.push([`${p}pre_feedforward_layernorm.weight`, [H]], [`${p}post_feedforward_layernorm.weight`, [H]]);
  }
  out.push(["model.norm.weight", [H]]);
  if (config.tie_word_embeddings !== true) out.push(["lm_head.weight", [spec.vocabSize, H]]);
  return out;
}

/**
 * Writes the checkpoint's config.json, safetensors (and index) into `dir`.
 * Weights: matrices uniform in ±1/sqrt(n_in), embeddings ±1, norms 1 ± 0.1
 * (gemma's norms around 0, as gemma stores weight - 1), biases ±0.1.
 */
export async function writeHfCheckpoint(dir: string, spec: HfCheckpointSpec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const config = hfConfig(spec);
  const dtype = spec.dtype ?? "F16";
  const type = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 }[dtype];
  const elem = dtype === "F32" ? 4 : 2;
  // Tensor data is made one tensor at a time as it is written: memory stays at the largest tensor.
  const tensors = hfTensorShapes(spec, config).map(([name, shape], i) => ({
    name,
    shape,
    size: shape.reduce((a, b) => a * b, 1) * elem,
    make: (): Uint8Array => {
      const n = shape.reduce((a, b) => a * b, 1);
      const rng = new Xoshiro128(spec.seed, i);
      const values = new Float32Array(n);
      if (shape.length === 1 && name.includes("norm")) {
        rng.fillUniform(values, 0.1);
        if (spec.arch !== "gemma2") for (let j = 0; j < n; j++) values[j]! += 1;
      } else {
        const qk = /\.(q|k)_proj\.weight$/.test(name) ? (spec.qkScale ?? 1) : 1;
        rng.fillUniform(values, shape.length === 1 ? 0.1 : name.includes("embed") ? 1 : qk / Math.sqrt(shape[1]!));
      }
      return encodeFloats(values, type);
    },
  }));
  await writeFile(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  const shards = Math.max(1, spec.shards ?? 1);
  const per = Math.ceil(tensors.length / shards);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const file = shards === 1 ? "model.safetensors" : `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    const header = safetensorsHeader(part.map((t) => ({ name: t.name, dtype, shape: t.shape, size: t.size })), { format: "pt" });
    const fh = await open(join(dir, file), "w");
    try {
      await fh.write(header);
      for (const t of part) {
        weightMap[t.name] = file;
        total += t.size;
        await fh.write(t.make());
      }
    } finally {
      await fh.close();
    }
  }
  if (shards > 1) await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + "\n");
}

/** GPT-2's byte-to-unicode table: printable bytes map to themselves, the others to U+0100 upwards. */
export function gpt2ByteChars(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(printable(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++));
  return out;
}

/** Llama 3's pre-tokenizer split pattern (tokenizer.json of meta-llama/Meta-Llama-3-8B). */
export const LLAMA3_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const WORDS = ["the", "and", "hello", "world", "model", "smith", "token", "llama", "water", "blue", "sky", "is", "of", "to", "in"];

export interface BpeTokenizerSpec {
  /** Special tokens appended after the BPE vocabulary, in order. */
  specials: string[];
  /** The `pre_tokenizer` object; default Llama 3's (Split + ByteLevel). */
  preTokenizer?: unknown;
  /** Total vocabulary (the BPE part is padded with merges of WORDS). */
}

/**
 * A byte-level BPE tokenizer.json: the 256 byte symbols, then merges that build
 * WORDS (with and without a leading "Ġ"), then `specials` as added tokens.
 * Returns the JSON text and the vocabulary size.
 */
export function byteLevelBpeTokenizer(spec: BpeTokenizerSpec): { json: string; vocabSize: number } {
  const vocab = new Map<string, number>();
  for (const c of gpt2ByteChars()) vocab.set(c, vocab.size);
  const merges: [string, string][] = [];
  for (const word of WORDS.flatMap((w) => ["Ġ" + w, w])) {
    let cur = word[0]!;
    for (const ch of word.slice(1)) {
      const next = cur + ch;
      if (!vocab.has(next)) {
        vocab.set(next, vocab.size);
        merges.push([cur, ch]);
      }
      cur = next;
    }
  }
  const added = spec.specials.map((content, i) => ({
    id: vocab.size + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const tok = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: spec.preTokenizer ?? {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: LLAMA3_SPLIT_REGEX }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: spec.specials[0], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: spec.specials[0], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: spec.specials[0], type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { [spec.specials[0]!]: { id: spec.specials[0], ids: [vocab.size], tokens: [spec.specials[0]] } },
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
  return { json: JSON.stringify(tok, null, 2) + "\n", vocabSize: vocab.size + added.length };
}
