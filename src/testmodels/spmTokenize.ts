import { SPM_SPACE, TokenType, type SpmVocab } from "./spmVocab.js";

/** A vocabulary indexed for tokenizing. */
export interface SpmIndex {
  vocab: SpmVocab;
  ids: Map<string, number>;
}

export function indexVocab(vocab: SpmVocab): SpmIndex {
  const ids = new Map<string, number>();
  vocab.tokens.forEach((t, id) => {
    if (!ids.has(t.piece)) ids.set(t.piece, id);
  });
  return { vocab, ids };
}

/**
 * Tokenizes plain text exactly as llama.cpp's SentencePiece tokenizer
 * (llm_tokenizer_spm) does for a "llama" vocabulary with add_space_prefix and
 * add_bos: BOS; a space before the text; spaces written "▁"; the text split into
 * characters; then, repeatedly, the adjacent pair whose concatenation is a piece
 * with the highest score is merged (ties: the leftmost pair) until no pair is a
 * piece; a character that is no piece becomes its UTF-8 byte tokens `<0xHH>`.
 * Special-token text in `text` is not parsed (it is tokenized as plain text).
 */
export function spmTokenize(index: SpmIndex, text: string, addBos = true): number[] {
  const out: number[] = addBos ? [index.vocab.bos] : [];
  if (text.length === 0) return out;
  const symbols = Array.from((" " + text).replaceAll(" ", SPM_SPACE));
  const alive = symbols.map(() => true);
  const nextAlive = (i: number) => {
    let j = i + 1;
    while (j < symbols.length && !alive[j]) j++;
    return j;
  };
  for (;;) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < symbols.length; i = nextAlive(i)) {
      if (!alive[i]) continue;
      const j = nextAlive(i);
      if (j >= symbols.length) break;
      const id = index.ids.get(symbols[i]! + symbols[j]!);
      if (id === undefined) continue;
      const score = index.vocab.tokens[id]!.score;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best < 0) break;
    const j = nextAlive(best);
    symbols[best] = symbols[best]! + symbols[j]!;
    alive[j] = false;
  }
  const utf8 = new TextEncoder();
  for (let i = 0; i < symbols.length; i++) {
    if (!alive[i]) continue;
    const id = index.ids.get(symbols[i]!);
    if (id !== undefined) {
      out.push(id);
      continue;
    }
    for (const byte of utf8.encode(symbols[i]!)) {
      out.push(index.ids.get(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`) ?? index.vocab.unk);
    }
  }
  return out;
}

/**
 * The text of tokens as llama.cpp renders generated pieces: "▁" becomes a space,
 * byte tokens their byte (bytes joined, then decoded as UTF-8), control and
 * unknown tokens nothing.
 */
export function spmDetokenize(vocab: SpmVocab, tokens: readonly number[]): string {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (const id of tokens) {
    const t = vocab.tokens[id];
    if (t === undefined) continue;
    if (t.type === TokenType.BYTE) bytes.push(parseInt(t.piece.slice(3, 5), 16));
    else if (t.type === TokenType.NORMAL || t.type === TokenType.USER_DEFINED) bytes.push(...utf8.encode(t.piece.replaceAll(SPM_SPACE, " ")));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
