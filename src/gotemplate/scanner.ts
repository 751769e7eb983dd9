import { goQuoteShort, isAlphaNumeric, isSpace, RIGHT } from "./runes.js";
import type { Token, TokenType } from "./token.js";

/**
 * The cursor of Go's template lexer (lex.go's next, backup, peek, emit,
 * errorf, accept, acceptRun) and its scanners for literals inside an action:
 * numbers, quoted and raw strings, character constants. The state machine
 * that decides which to call is the Lexer (lexer.ts).
 */
export abstract class Scanner {
  protected pos = 0;
  protected start = 0;
  protected readonly out: Token[] = [];

  constructor(protected readonly input: string) {}

  protected next(): string | undefined {
    if (this.pos >= this.input.length) return undefined;
    const cp = this.input.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    return ch;
  }

  protected backup(ch: string | undefined): void {
    if (ch !== undefined) this.pos -= ch.length;
  }

  protected peek(): string | undefined {
    const ch = this.next();
    this.backup(ch);
    return ch;
  }

  protected emit(type: TokenType, val = this.input.slice(this.start, this.pos)): true {
    this.out.push({ type, pos: this.start, end: this.pos, val });
    this.start = this.pos;
    return true;
  }

  protected errorf(message: string, at = this.start, end = Math.max(at + 1, this.pos)): false {
    this.out.push({ type: "error", pos: at, end: Math.min(end, Math.max(at, this.input.length)), val: message });
    return false;
  }

  private accept(valid: string): boolean {
    const r = this.next();
    if (r !== undefined && valid.includes(r)) return true;
    this.backup(r);
    return false;
  }

  private acceptRun(valid: string): void {
    let r: string | undefined;
    while ((r = this.next()) !== undefined && valid.includes(r));
    this.backup(r);
  }

  /** Can an identifier end here? Breaks .X.Y into two pieces; rejects "$x+2". */
  protected atTerminator(): boolean {
    const r = this.peek();
    if (r === undefined || isSpace(r)) return true;
    if (".,|:)(".includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  protected charConstant(): boolean {
    for (;;) {
      const r = this.next();
      if (r === "\\") {
        const e = this.next();
        if (e !== undefined && e !== "\n") continue;
      }
      if (r === undefined || r === "\n" || r === "\\") return this.errorf("unterminated character constant");
      if (r === "'") return this.emit("charConstant");
    }
  }

  protected number(): boolean {
    if (!this.scanNumber()) return this.errorf(`bad number syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === "+" || sign === "-") {
      if (!this.scanNumber() || this.input[this.pos - 1] !== "i") {
        return this.errorf(`bad number syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
      }
      return this.emit("complex");
    }
    return this.emit("number");
  }

  private scanNumber(): boolean {
    this.accept("+-");
    let digits = "0123456789_";
    if (this.accept("0")) {
      if (this.accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (this.accept("oO")) digits = "01234567_";
      else if (this.accept("bB")) digits = "01_";
    }
    this.acceptRun(digits);
    if (this.accept(".")) this.acceptRun(digits);
    if (digits.length === 11 && this.accept("eE")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    if (digits.length === 23 && this.accept("pP")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    this.accept("i");
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  protected quote(): boolean {
    for (;;) {
      const r = this.next();
      if (r === "\\") {
        const e = this.next();
        if (e !== undefined && e !== "\n") continue;
        return this.errorf("unterminated quoted string");
      }
      if (r === undefined || r === "\n") return this.errorf("unterminated quoted string");
      if (r === '"') return this.emit("string");
    }
  }

  protected rawQuote(): boolean {
    const x = this.input.indexOf("`", this.pos);
    if (x < 0) return this.errorf("unterminated raw quoted string", this.start, this.start + 1);
    this.pos = x + 1;
    return this.emit("rawString");
  }
}
