import { error, InputError } from "../diagnostics/index.js";
import { indexVocab, spmTokenize, type SpmIndex } from "./spmTokenize.js";
import { SPM_SPACE, spmVocab, TokenType, type SpmToken, type SpmVocab } from "./spmVocab.js";

/** The sentence the oracle recites by default; every token in it is distinct, so it cycles. */
export const ORACLE_DEFAULT_TEXT = "The quick brown fox jumps over the lazy dog.";

/**
 * Whether the oracle ends its sentence with EOS by default: yes, so that a model
 * built on it finishes by itself (`run` prints the sentence and stops) as a real
 * model does; `eos=false` (endWithEos: false) gives the endless cycle.
 */
export const ORACLE_DEFAULT_EOS = true;

/** Punctuation that is a word of its own, written without a leading space. */
const WORD = /▁?[^▁.,!?;:]+|[.,!?;:]/gu;

/**
 * The oracle's tokenizer and its next-token function.
 *
 * - `words`: the chain, i.e. `text` with a leading space, spaces as "▁", split into
 *   words ("▁The", "▁quick", ..., "▁dog", "."). Words must be distinct.
 * - vocabulary: specials and byte tokens, then every substring of every word
 *   (in word order, then by start, then by length), each scored by its length in
 *   characters; since every pair of adjacent pieces inside a word is again a
 *   piece, llama.cpp's tokenizer merges each word of the chain into one token.
 * - `next[t]`: the token the model emits after token t. A word goes to the next
 *   word (after the last: the first word, or EOS when `endWithEos`). Another
 *   substring, taken where it first occurs in the chain, goes to the rest of its
 *   word, or to the next word when it ends its word. Specials and bytes go to the
 *   first word.
 */
export interface OracleVocab {
  words: string[];
  vocab: SpmVocab;
  index: SpmIndex;
  next: number[];
}

/** Words split at spaces only (`punctuationWords: false`): a JSON object without spaces is one word. */
const SPACED_WORD = /▁[^▁]*/gu;

/** `punctuationWords` (default true): `.,!?;:` are words of their own; false splits at spaces only, so a word may repeat a punctuation mark (a tool call's JSON). */
export function oracleVocab(text: string, endWithEos: boolean, punctuationWords = true): OracleVocab {
  const escaped = (SPM_SPACE + text).replaceAll(" ", SPM_SPACE);
  const words: string[] = [...(escaped.match(punctuationWords ? WORD : SPACED_WORD) ?? [])];
  const bad = (m: string) => new InputError(error("MS3013", `oracle text ${JSON.stringify(text)}: ${m}`));
  if (words.length < 2 || words.join("") !== escaped) throw bad("must be at least two words separated by single spaces");
  if (new Set(words).size !== words.length) throw bad("every word must be distinct (the oracle's next token depends on the last token only)");

  const pieces = new Map<string, { word: number; end: number }>();
  for (let w = 0; w < words.length; w++) {
    const chars = Array.from(words[w]!);
    for (let s = 0; s < chars.length; s++) {
      for (let e = s + 1; e <= chars.length; e++) {
        const piece = chars.slice(s, e).join("");
        if (!pieces.has(piece)) pieces.set(piece, { word: w, end: e });
      }
    }
  }
  const normal: SpmToken[] = [...pieces.keys()].map((piece) => ({ piece, score: Array.from(piece).length, type: TokenType.NORMAL }));
  const vocab = spmVocab(normal);
  const index = indexVocab(vocab);
  if (index.ids.size !== vocab.tokens.length) throw bad("a word collides with a special or byte token");

  const wordId = (w: number) => index.ids.get(words[w]!)!;
  const after = (w: number) => (w + 1 < words.length ? wordId(w + 1) : endWithEos ? vocab.eos : wordId(0));
  const next = vocab.tokens.map((t) => {
    const at = pieces.get(t.piece);
    if (at === undefined || t.type !== TokenType.NORMAL) return wordId(0);
    const w = words.indexOf(t.piece);
    if (w >= 0) return after(w);
    const chars = Array.from(words[at.word]!);
    return at.end === chars.length ? after(at.word) : index.ids.get(chars.slice(at.end).join(""))!;
  });

  const expected = [vocab.bos, ...words.map((_, w) => wordId(w))];
  if (spmTokenize(index, text).join() !== expected.join()) throw bad("llama.cpp would not tokenize it into whole words");
  return { words, vocab, index, next };
}
