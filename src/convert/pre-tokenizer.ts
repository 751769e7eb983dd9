/**
 * Names a tokenizer.json `pre_tokenizer` with the `tokenizer.ggml.pre` value
 * llama.cpp's runtime knows, from the definition itself. llama.cpp's converter
 * instead hashes the ids a test string encodes to and looks the hash up in a
 * table of published tokenizers (convert_hf_to_gguf.py get_vocab_base_pre), so it
 * refuses a freshly trained tokenizer whose pre-tokenizer is one it knows.
 *
 * Recognised: GPT-2's ByteLevel with its own regex ("gpt-2"), and a Split on
 * one of the regexes llama.cpp implements (llama-vocab.cpp, the
 * LLAMA_VOCAB_PRE_TYPE_* cases) followed by ByteLevel without regex.
 */
import { isObject, type JsonObject } from "./json-file.js";

/** Split regexes of published tokenizers, by the llama.cpp pre-tokenizer name that implements them. */
export const PRE_TOKENIZER_REGEXES: Readonly<Record<string, string>> = {
  // meta-llama/Meta-Llama-3-8B tokenizer.json
  "llama-bpe": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  // Qwen/Qwen2-7B tokenizer.json
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

export type PreTokenizerResult = { name: string } | { error: string };

function describe(p: unknown): string {
  return JSON.stringify(p).slice(0, 200);
}

export function identifyPreTokenizer(pre: unknown): PreTokenizerResult {
  if (!isObject(pre)) return { error: `no pre_tokenizer (got ${describe(pre)})` };
  const steps: JsonObject[] = pre.type === "Sequence" && Array.isArray(pre.pretokenizers) ? (pre.pretokenizers as JsonObject[]) : [pre];
  if (steps.length === 1 && steps[0]!.type === "ByteLevel" && steps[0]!.use_regex !== false) return { name: "gpt-2" };
  if (steps.length === 2 && steps[0]!.type === "Split" && steps[1]!.type === "ByteLevel" && steps[1]!.use_regex === false) {
    const split = steps[0]!;
    const regex = isObject(split.pattern) ? split.pattern.Regex : undefined;
    if (split.behavior === "Isolated" && split.invert !== true && typeof regex === "string") {
      const name = Object.entries(PRE_TOKENIZER_REGEXES).find(([, r]) => r === regex)?.[0];
      if (name) return { name };
      return { error: `its Split regex ${JSON.stringify(regex)} is none llama.cpp implements` };
    }
  }
  return { error: `pre_tokenizer ${describe(pre)} is not one llama.cpp implements` };
}
