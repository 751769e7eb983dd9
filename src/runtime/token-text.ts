import type { LlamaModel, Token } from "node-llama-cpp";

const REPLACEMENT = "\uFFFD";
/** Tokens of context given to the detokenizer so a piece keeps its leading space. */
const CONTEXT_TOKENS = 8;

/**
 * Generated tokens to text the way Ollama streams it: each token's piece as it
 * is (special tokens as their text, a leading space kept: llama.cpp's
 * token_to_piece without lstrip), a token whose bytes end inside a UTF-8
 * character held until the character is complete.
 */
export class TokenText {
  private readonly pending: Token[] = [];
  private readonly previous: Token[];

  /** `before`: the tokens that precede the generation (the prompt). */
  constructor(private readonly model: LlamaModel, before: readonly Token[]) {
    this.previous = before.slice(-CONTEXT_TOKENS);
  }

  /** The text that `token` completes ("" while a character is incomplete). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.model.detokenize(this.pending, true, this.previous);
    if (text.endsWith(REPLACEMENT) && this.pending.length < 4) return "";
    this.previous.push(...this.pending);
    this.previous.splice(0, Math.max(0, this.previous.length - CONTEXT_TOKENS));
    this.pending.length = 0;
    return text;
  }
}
