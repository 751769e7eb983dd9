/**
 * Tokenizer metadata of a checkpoint, as llama.cpp's LlamaModel.set_vocab writes
 * it: tokenizer.model (SentencePiece, `_set_vocab_sentencepiece`) when present,
 * else a byte-level BPE tokenizer.json (`_set_vocab_gpt2`), then the special
 * vocabulary (see special-vocab.ts).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { error, InputError } from "../diagnostics/index.js";
import { gv, GgufValueType, type GgufMetadataEntry } from "../gguf/index.js";
import { isObject, readJsonFile, type JsonObject } from "./json-file.js";
import { identifyPreTokenizer } from "./pre-tokenizer.js";
import { specialVocab } from "./special-vocab.js";
import { readSpmPieces, SpmPieceType } from "./spm-model.js";

type Entry = [string, GgufMetadataEntry];

/** llama.cpp gguf.TokenType. */
const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface VocabResult {
  kind: "spm" | "bpe";
  entries: Entry[];
  chatTemplate?: string;
  tokens: string[];
  ids: Map<string, number>;
  /** Files read, relative to the folder. */
  files: string[];
}

/** convert_hf_to_gguf.py TextModel.does_token_look_special. */
export function looksSpecial(t: string): boolean {
  return ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(t) ||
    (t.startsWith("<|") && t.endsWith("|>")) ||
    (t.startsWith("<｜") && t.endsWith("｜>")) ||
    (t.startsWith("<unused") && t.endsWith(">"));
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

/**
 * `phi3`: Phi3MiniModel.set_vocab (conversion/phi.py): a GPT2Tokenizer is BPE;
 * else tokenizer.model, whose added tokens (tokenizer_config.json's
 * added_tokens_decoder, then tokenizer.json's added_tokens) are USER_DEFINED, or
 * CONTROL when `special`, kept as written.
 */
export async function checkpointVocab(dir: string, config: JsonObject, variant?: "phi3"): Promise<VocabResult> {
  const files: string[] = [];
  const entries: Entry[] = [];
  const tc = await readJsonFile(join(dir, "tokenizer_config.json"));
  if (tc !== undefined) files.push("tokenizer_config.json");
  if (isObject(tc) && typeof tc.add_prefix_space === "boolean") entries.push(["tokenizer.ggml.add_space_prefix", gv.bool(tc.add_prefix_space)]);
  const configVocab = typeof config.vocab_size === "number" ? config.vocab_size : undefined;

  const phi3Spm = variant === "phi3" && !(isObject(tc) && tc.tokenizer_class === "GPT2Tokenizer");
  if (phi3Spm && !(await exists(join(dir, "tokenizer.model")))) {
    throw new InputError(error("MS3207", `${dir}: Phi 3 needs tokenizer.model (or tokenizer_class GPT2Tokenizer in tokenizer_config.json)`, { file: dir, hint: "Copy tokenizer.model from the model's repository beside config.json." }));
  }
  if (await exists(join(dir, "tokenizer.model"))) {
    files.push("tokenizer.model");
    const path = join(dir, "tokenizer.model");
    const pieces = readSpmPieces(await readFile(path), path);
    const n = configVocab ?? pieces.length;
    const tokens = Array.from({ length: n }, (_, i) => `[PAD${i}]`);
    const scores = new Array<number>(n).fill(-10000);
    const types = new Array<number>(n).fill(TokenType.UNUSED);
    pieces.slice(0, n).forEach((p, id) => {
      tokens[id] = p.piece;
      scores[id] = p.score;
      // sentencepiece's IsUnknown/IsControl/IsUnused/IsByte, else NORMAL (USER_DEFINED pieces too)
      types[id] = [SpmPieceType.UNKNOWN, SpmPieceType.CONTROL, SpmPieceType.UNUSED, SpmPieceType.BYTE].includes(p.type as 2) ? p.type : TokenType.NORMAL;
    });
    const addedJson = await readJsonFile(join(dir, "added_tokens.json"));
    if (isObject(addedJson)) {
      files.push("added_tokens.json");
      for (const [key, id] of Object.entries(addedJson)) {
        if (typeof id !== "number" || id >= n) continue;
        tokens[id] = key;
        scores[id] = -1000;
        types[id] = TokenType.USER_DEFINED;
      }
    }
    const decoder = isObject(tc) && isObject(tc.added_tokens_decoder) ? tc.added_tokens_decoder : {};
    if (phi3Spm) {
      const tj = await readJsonFile(join(dir, "tokenizer.json"));
      const fromJson = isObject(tj) && Array.isArray(tj.added_tokens) ? (tj.added_tokens as JsonObject[]).map((a) => [String(a.id), a] as const) : [];
      for (const [idText, data] of [...Object.entries(decoder), ...fromJson]) {
        const id = Number(idText);
        if (!isObject(data) || typeof data.content !== "string" || !(id < n)) continue;
        tokens[id] = data.content;
        scores[id] = -1000;
        types[id] = data.special === true ? TokenType.CONTROL : TokenType.USER_DEFINED;
      }
    }
    for (const [idText, data] of phi3Spm ? [] : Object.entries(decoder)) {
      const id = Number(idText);
      if (!isObject(data) || typeof data.content !== "string" || !(id < n)) continue;
      let token = data.content;
      if (data.special === true || looksSpecial(token)) types[id] = TokenType.CONTROL;
      else {
        token = token.replaceAll("\u2581", " ");
        types[id] = TokenType.USER_DEFINED;
      }
      scores[id] = -1000;
      tokens[id] = token;
    }
    entries.push(
      ["tokenizer.ggml.model", gv.str("llama")],
      ["tokenizer.ggml.pre", gv.str("default")],
      ["tokenizer.ggml.tokens", gv.arr(GgufValueType.STRING, tokens)],
      ["tokenizer.ggml.scores", gv.arr(GgufValueType.FLOAT32, scores)],
      ["tokenizer.ggml.token_type", gv.arr(GgufValueType.INT32, types)],
    );
    const sv = await specialVocab(dir, { loadMerges: false, nVocab: n });
    entries.push(...sv.entries);
    if (await exists(join(dir, "tokenizer.json"))) files.push("tokenizer.json");
    return { kind: "spm", entries, tokens, ids: sv.ids, files, ...(sv.chatTemplate !== undefined ? { chatTemplate: sv.chatTemplate } : {}) };
  }

  const tjPath = join(dir, "tokenizer.json");
  const tj = await readJsonFile(tjPath);
  if (tj === undefined) {
    throw new InputError(error("MS3207", `${dir}: no tokenizer.model and no tokenizer.json`, { file: dir, hint: "Copy tokenizer.json (or tokenizer.model) and tokenizer_config.json from the model's repository beside config.json." }));
  }
  files.push("tokenizer.json");
  const model = isObject(tj) && isObject(tj.model) ? tj.model : undefined;
  if (!model || model.type !== "BPE" || !isObject(model.vocab) || model.byte_fallback === true) {
    throw new InputError(error("MS3207", `tokenizer.json: model ${JSON.stringify(model?.type)}${model?.byte_fallback === true ? " with byte_fallback" : ""} is not a byte-level BPE (only those, and SentencePiece tokenizer.model, are converted)`, { file: tjPath, hint: "For a SentencePiece model, copy its tokenizer.model beside config.json." }));
  }
  const pre = identifyPreTokenizer((tj as JsonObject).pre_tokenizer);
  if ("error" in pre) {
    throw new InputError(error("MS3209", `tokenizer.json: ${pre.error}`, { file: tjPath, hint: "Convert it with llama.cpp's convert_hf_to_gguf.py and FROM the .gguf." }));
  }
  const vocab = new Map<number, string>();
  for (const [tok, id] of Object.entries(model.vocab)) if (typeof id === "number") vocab.set(id, tok);
  const added = new Map<number, JsonObject>();
  for (const a of (Array.isArray((tj as JsonObject).added_tokens) ? (tj as JsonObject).added_tokens : []) as JsonObject[]) {
    if (typeof a.id === "number" && typeof a.content === "string") {
      vocab.set(a.id, a.content);
      added.set(a.id, a);
    }
  }
  const maxId = Math.max(...vocab.keys());
  const n = configVocab ?? vocab.size;
  if (maxId >= n) throw new InputError(error("MS3207", `tokenizer.json: token id ${maxId} is not below vocab_size ${n} of config.json`, { file: tjPath }));
  const tokens: string[] = [];
  const types: number[] = [];
  for (let i = 0; i < n; i++) {
    const tok = vocab.get(i);
    if (tok === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(TokenType.UNUSED);
      continue;
    }
    const a = added.get(i);
    if (a) {
      if (a.special === true || looksSpecial(tok)) {
        tokens.push(tok);
        types.push(TokenType.CONTROL);
      } else {
        tokens.push(tok.replaceAll("\u2581", " "));
        types.push(TokenType.USER_DEFINED);
      }
    } else {
      tokens.push(tok);
      types.push(TokenType.NORMAL);
    }
  }
  entries.push(
    ["tokenizer.ggml.model", gv.str("gpt2")],
    ["tokenizer.ggml.pre", gv.str(pre.name)],
    ["tokenizer.ggml.tokens", gv.arr(GgufValueType.STRING, tokens)],
    ["tokenizer.ggml.token_type", gv.arr(GgufValueType.INT32, types)],
  );
  const sv = await specialVocab(dir, { loadMerges: true });
  entries.push(...sv.entries);
  return { kind: "bpe", entries, tokens, ids: sv.ids, files, ...(sv.chatTemplate !== undefined ? { chatTemplate: sv.chatTemplate } : {}) };
}
