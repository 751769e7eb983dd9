/**
 * Checkpoints for the converter's tests, and llama.cpp's own converter to
 * compare with (tools/convert-reference.ts: convert_hf_to_gguf.py from the
 * llama.cpp source node-llama-cpp ships, run by Debian's /usr/bin/python3 with
 * the stand-ins of test/fixtures/hf-standins).
 */
import { readFileSync } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import path from "node:path";
import { byteLevelBpeTokenizer, writeHfCheckpoint, type HfCheckpointSpec, type HfTestArch } from "../../src/testmodels/index.js";
import type { GgufFile } from "../../src/gguf/index.js";
import { trainSpm } from "../../tools/convert-reference.js";

export { llamaCppSource, PYTHON, referenceMissing, runLoraReference, runReference, spmTrainMissing, trainSpm } from "../../tools/convert-reference.js";

export const SPM_VOCAB = 320;
export const SPM_TEMPLATE = "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] }}<end_of_turn>\n{% endfor %}";
export const CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
/** Meta-Llama-3-8B-Instruct's chat template, as its tokenizer_config.json has it (https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct/blob/main/tokenizer_config.json). */
export const META_LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
export const LLAMA3_TEMPLATE = "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const QWEN2_PRE = {
  type: "Sequence",
  pretokenizers: [
    { type: "Split", pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: "Isolated", invert: false },
    { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
  ],
};

const DIMS = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128 };

export interface TestCheckpoint {
  /** What the reference's tokenizer.ggml.pre must be (for BPE). */
  pre?: string;
}

/**
 * Writes a checkpoint of `arch` with `tokenizer` into `dir`:
 * - bpe: a byte-level BPE tokenizer.json (Llama 3's pre-tokenizer and special tokens for llama, Qwen 2's for qwen2);
 * - spm: a tokenizer.model trained by spm_train (Llama 2 / Mistral / Gemma style).
 */
export async function writeTestCheckpoint(dir: string, arch: HfTestArch, tokenizer: "spm" | "bpe", extra: Partial<HfCheckpointSpec> = {}): Promise<TestCheckpoint> {
  await mkdir(dir, { recursive: true });
  if (tokenizer === "spm") {
    // Phi 3's added chat tokens after the SentencePiece pieces (llama.cpp's phi3 vocabulary looks up <|end|>).
    const added = arch === "phi3" ? ["<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>", "<|system|>", "<|placeholder1|>"] : [];
    await writeHfCheckpoint(dir, { arch, seed: 2, ...DIMS, vocabSize: SPM_VOCAB + added.length, dtype: "BF16", ...extra, config: { bos_token_id: 1, eos_token_id: 2, ...extra.config } });
    await trainSpm(dir);
    const decoder = Object.fromEntries(added.map((content, i) => [String(SPM_VOCAB + i), { content, lstrip: false, normalized: false, rstrip: i > 0, single_word: false, special: i !== 5 }]));
    await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "LlamaTokenizer", bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>", add_bos_token: true, add_eos_token: false, chat_template: SPM_TEMPLATE, ...(added.length ? { added_tokens_decoder: decoder } : {}) }, null, 2));
    return {};
  }
  if (arch === "qwen2") {
    const tok = byteLevelBpeTokenizer({ specials: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], preTokenizer: QWEN2_PRE });
    await writeHfCheckpoint(dir, { arch, seed: 3, ...DIMS, vocabSize: tok.vocabSize + 3, dtype: "F32", ...extra, config: { eos_token_id: tok.vocabSize - 1, ...extra.config } });
    await writeFile(path.join(dir, "tokenizer.json"), tok.json);
    await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "<|im_end|>", pad_token: "<|endoftext|>", bos_token: null, chat_template: CHATML_TEMPLATE }, null, 2));
    return { pre: "qwen2" };
  }
  const tok = byteLevelBpeTokenizer({ specials: ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"] });
  await writeHfCheckpoint(dir, {
    arch, seed: 1, ...DIMS, vocabSize: tok.vocabSize, shards: 2, ...extra,
    config: { bos_token_id: tok.vocabSize - 5, eos_token_id: tok.vocabSize - 1, rope_theta: 500000.0, rope_scaling: { rope_type: "llama3", factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 64 }, ...extra.config },
  });
  await writeFile(path.join(dir, "tokenizer.json"), tok.json);
  await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify({ bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>", chat_template: LLAMA3_TEMPLATE }, null, 2));
  return { pre: "llama-bpe" };
}

/** The generator's spec of a checkpoint written by writeTestCheckpoint, read back from its config.json. */
export function checkpointSpec(dir: string, arch: HfTestArch = "llama"): HfCheckpointSpec {
  const c = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, number>;
  return { arch, seed: 0, hidden: c.hidden_size!, layers: c.num_hidden_layers!, heads: c.num_attention_heads!, kvHeads: c.num_key_value_heads!, ffn: c.intermediate_size!, vocabSize: c.vocab_size! };
}

/** The bytes of tensor `name` of the GGUF `file` (read as `g`). */
export async function tensorBytes(file: string, g: GgufFile, name: string): Promise<Buffer> {
  const t = g.tensors.find((x) => x.name === name)!;
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(t.size);
    await fh.read(buf, 0, t.size, t.fileOffset);
    return buf;
  } finally {
    await fh.close();
  }
}

/** The inverse of permuteRows: back to HF's rotate-half order. */
export function unpermute(data: Uint8Array, rows: number, rowBytes: number, nHead: number): Uint8Array {
  const half = rows / nHead / 2;
  const out = new Uint8Array(data.length);
  for (let h = 0; h < nHead; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const permuted = (h * 2 * half + i * 2 + j) * rowBytes;
        const original = (h * 2 * half + j * half + i) * rowBytes;
        out.set(data.subarray(permuted, permuted + rowBytes), original);
      }
    }
  }
  return out;
}
