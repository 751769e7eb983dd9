import { lex } from "./lexer.js";
import type { Token, TokenType } from "./token.js";

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set<TokenType>([
  "block", "break", "continue", "dot", "define", "else", "end", "if", "nil", "range", "template", "with",
]);

/**
 * The parser's view of the tokens: next/backup/peek over the lexed list, with
 * the same semantics as Go's three-token lookahead (peekNonSpace consumes the
 * spaces it skips). Reading past the end keeps returning the final eof/error.
 */
export class TokenStream {
  private readonly tokens: Token[];
  private index = 0;
  /** End of the token most recently returned by next(). */
  lastEnd = 0;

  constructor(text: string) {
    this.tokens = lex(text);
  }

  next(): Token {
    const t = this.tokens[Math.min(this.index, this.tokens.length - 1)]!;
    this.index++;
    this.lastEnd = t.end;
    return t;
  }

  backup(count = 1): void {
    this.index -= count;
  }

  peek(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)]!;
  }

  nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.type === "space");
    return t;
  }

  peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  /** Saves the position, for the 3-token lookahead of declarations. */
  mark(): number {
    return this.index;
  }

  reset(mark: number): void {
    this.index = mark;
  }
}

/** Go's item.String(): how a token is named in "unexpected X in Y". */
export function tokenLabel(t: Token): string {
  if (t.type === "eof") return "EOF";
  if (t.type === "error") return t.val;
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return `${JSON.stringify(runes.slice(0, 10).join(""))}...`;
  return JSON.stringify(t.val);
}
