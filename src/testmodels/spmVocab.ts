import { GgufValueType, gv, type GgufMetadataEntry } from "../gguf/index.js";

/** llama.cpp's token attributes as stored in tokenizer.ggml.token_type. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SpmToken {
  piece: string;
  score: number;
  type: number;
}

/**
 * A SentencePiece ("llama") vocabulary in llama.cpp's conventions: id 0 `<unk>`,
 * 1 `<s>` (BOS), 2 `</s>` (EOS), then the 256 byte-fallback tokens `<0x00>`..`<0xFF>`
 * (ids 3..258), then the normal pieces. A space is written "▁" (U+2581) in pieces.
 */
export interface SpmVocab {
  tokens: SpmToken[];
  bos: number;
  eos: number;
  unk: number;
}

export const SPM_SPACE = "\u2581";
export const SPM_FIRST_BYTE_TOKEN = 3;
export const SPM_FIRST_NORMAL_TOKEN = 259;

/** The fixed head of every vocabulary here: specials and byte tokens. */
export function spmBaseTokens(): SpmToken[] {
  const tokens: SpmToken[] = [
    { piece: "<unk>", score: 0, type: TokenType.UNKNOWN },
    { piece: "<s>", score: 0, type: TokenType.CONTROL },
    { piece: "</s>", score: 0, type: TokenType.CONTROL },
  ];
  for (let b = 0; b < 256; b++) tokens.push({ piece: `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, score: 0, type: TokenType.BYTE });
  return tokens;
}

export function spmVocab(normal: SpmToken[]): SpmVocab {
  return { tokens: [...spmBaseTokens(), ...normal], unk: 0, bos: 1, eos: 2 };
}

/** tokenizer.ggml.* metadata for a vocabulary, with BOS added and EOS not, and a chat template when given. */
export function spmTokenizerMetadata(vocab: SpmVocab, chatTemplate?: string): [string, GgufMetadataEntry][] {
  const entries: [string, GgufMetadataEntry][] = [
    ["tokenizer.ggml.model", gv.str("llama")],
    ["tokenizer.ggml.tokens", gv.arr(GgufValueType.STRING, vocab.tokens.map((t) => t.piece))],
    ["tokenizer.ggml.scores", gv.arr(GgufValueType.FLOAT32, vocab.tokens.map((t) => t.score))],
    ["tokenizer.ggml.token_type", gv.arr(GgufValueType.INT32, vocab.tokens.map((t) => t.type))],
    ["tokenizer.ggml.bos_token_id", gv.u32(vocab.bos)],
    ["tokenizer.ggml.eos_token_id", gv.u32(vocab.eos)],
    ["tokenizer.ggml.unknown_token_id", gv.u32(vocab.unk)],
    ["tokenizer.ggml.add_bos_token", gv.bool(true)],
    ["tokenizer.ggml.add_eos_token", gv.bool(false)],
  ];
  if (chatTemplate !== undefined) entries.push(["tokenizer.chat_template", gv.str(chatTemplate)]);
  return entries;
}
