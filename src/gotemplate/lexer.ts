/**
 * The lexer of Go's text/template, token for token as in Go's
 * `text/template/parse/lex.go` (Go 1.26): the same item types, the same
 * trim-marker rules and the same error texts. Positions are 0-based indices
 * into the JS string (UTF-16 code units), not Go's byte offsets.
 *
 * Grammar of the text around actions:
 *
 *     text    = { any char } up to "{{"
 *     action  = "{{" ["- "] ... [" -"] "}}"      trim markers need one ASCII space
 *     comment = "{{" ["- "] "/*" ... "*\/" [" -"] "}}"
 *
 * `{{- ` trims every space, tab, CR and LF before the action; ` -}}` trims them
 * after it. Inside an action, spaces (and, since Go 1.16, newlines) separate
 * arguments. Complex and hex-float numbers are lexed (so errors match Go) but
 * rejected later by the parser.
 */
export type TokenType =
  | "error" | "bool" | "char" | "charConstant" | "complex" | "assign" | "declare" | "eof"
  | "field" | "identifier" | "leftDelim" | "leftParen" | "number" | "pipe" | "rawString"
  | "rightDelim" | "rightParen" | "space" | "string" | "text" | "variable"
  // keywords
  | "block" | "break" | "continue" | "dot" | "define" | "else" | "end" | "if" | "nil"
  | "range" | "template" | "with";

export interface Token {
  type: TokenType;
  /** Start of the token in the input (for "error", where the problem is). */
  pos: number;
  /** Exclusive end of the token. */
  end: number;
  /** The token's text; for "error", the message; for "text", the (trimmed) text. */
  val: string;
}

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  [".", "dot"], ["block", "block"], ["break", "break"], ["continue", "continue"], ["define", "define"],
  ["else", "else"], ["end", "end"], ["if", "if"], ["range", "range"], ["nil", "nil"],
  ["template", "template"], ["with", "with"],
]);

const LEFT = "{{";
const RIGHT = "}}";
const SPACE_CHARS = " \t\r\n";

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
export const isAlphaNumeric = (c: string | undefined) => c !== undefined && LETTER_OR_DIGIT.test(c);
const hasLeftTrimMarker = (s: string, at: number) => s[at] === "-" && isSpace(s[at + 1]);
const hasRightTrimMarker = (s: string, at: number) => isSpace(s[at]) && s[at + 1] === "-";

/** Lexes the whole input; the list ends with one "eof" or one "error" token. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private readonly parens: number[] = [];
  private actionStart = 0;
  private readonly out: Token[] = [];

  constructor(private readonly input: string) {}

  run(): Token[] {
    let inside = false;
    for (;;) {
      const ok = inside ? this.insideAction() : this.text();
      const last = this.out[this.out.length - 1];
      if (!ok || last?.type === "eof" || last?.type === "error") return this.out;
      inside = last?.type === "leftDelim" || (last?.type !== "rightDelim" && inside);
    }
  }

  private next(): string | undefined {
    if (this.pos >= this.input.length) return undefined;
    const cp = this.input.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    return ch;
  }

  private backup(ch: string | undefined): void {
    if (ch !== undefined) this.pos -= ch.length;
  }

  private peek(): string | undefined {
    const ch = this.next();
    this.backup(ch);
    return ch;
  }

  private emit(type: TokenType, val = this.input.slice(this.start, this.pos)): true {
    this.out.push({ type, pos: this.start, end: this.pos, val });
    this.start = this.pos;
    return true;
  }

  private errorf(message: string, at = this.start, end = Math.max(at + 1, this.pos)): false {
    this.out.push({ type: "error", pos: at, end: Math.min(end, Math.max(at, this.input.length)), val: message });
    return false;
  }

  /** Scans text up to the next "{{" (trimming before it when the action starts "{{- "). */
  private text(): boolean {
    const x = this.input.indexOf(LEFT, this.pos);
    if (x < 0) {
      this.pos = this.input.length;
      if (this.pos > this.start) this.emit("text");
      this.start = this.pos;
      return this.emit("eof", "");
    }
    let textEnd = x;
    if (hasLeftTrimMarker(this.input, x + LEFT.length)) {
      while (textEnd > this.start && SPACE_CHARS.includes(this.input[textEnd - 1]!)) textEnd--;
    }
    if (textEnd > this.start) {
      this.pos = textEnd;
      this.emit("text");
    }
    this.pos = x;
    this.start = x;
    return this.leftDelim();
  }

  private leftDelim(): boolean {
    this.actionStart = this.pos;
    this.pos += LEFT.length;
    const trim = hasLeftTrimMarker(this.input, this.pos);
    const afterMarker = trim ? 2 : 0;
    if (this.input.startsWith("/*", this.pos + afterMarker)) {
      this.pos += afterMarker;
      return this.comment();
    }
    this.emit("leftDelim");
    this.pos += afterMarker;
    this.start = this.pos;
    this.parenDepth = 0;
    this.parens.length = 0;
    return true;
  }

  /** Comments are dropped, like Go does without parse.ParseComments. */
  private comment(): boolean {
    this.pos += 2;
    const x = this.input.indexOf("*/", this.pos);
    if (x < 0) return this.errorf("unclosed comment", this.actionStart, this.actionStart + 4);
    this.pos = x + 2;
    const [delim, trim] = this.atRightDelim();
    if (!delim) return this.errorf("comment ends before closing delimiter", x, x + 2);
    if (trim) this.pos += 2;
    this.pos += RIGHT.length;
    if (trim) this.pos += leftTrimLength(this.input, this.pos);
    this.start = this.pos;
    return true;
  }

  private atRightDelim(): [delim: boolean, trim: boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return [true, true];
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    return [false, false];
  }

  private rightDelim(): boolean {
    const [, trim] = this.atRightDelim();
    if (trim) {
      this.pos += 2;
      this.start = this.pos;
    }
    this.pos += RIGHT.length;
    this.emit("rightDelim");
    if (trim) {
      this.pos += leftTrimLength(this.input, this.pos);
      this.start = this.pos;
    }
    return true;
  }

  private insideAction(): boolean {
    const [delim] = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return this.rightDelim();
      const open = this.parens[this.parens.length - 1]!;
      return this.errorf("unclosed left paren", open, open + 1);
    }
    const r = this.next();
    if (r === undefined) return this.errorf("unclosed action", this.actionStart, this.actionStart + 2);
    if (isSpace(r)) {
      this.backup(r);
      return this.space();
    }
    switch (r) {
      case "=":
        return this.emit("assign");
      case ":":
        if (this.next() !== "=") return this.errorf("expected :=");
        return this.emit("declare");
      case "|":
        return this.emit("pipe");
      case '"':
        return this.quote();
      case "`":
        return this.rawQuote();
      case "$":
        return this.variable();
      case "'":
        return this.charConstant();
      case "(":
        this.parenDepth++;
        this.parens.push(this.start);
        return this.emit("leftParen");
      case ")":
        this.parenDepth--;
        this.parens.pop();
        if (this.parenDepth < 0) return this.errorf("unexpected right paren");
        return this.emit("rightParen");
    }
    if (r === ".") {
      const c = this.input[this.pos];
      if (c === undefined || c < "0" || c > "9") return this.fieldOrVariable("field");
    }
    if (r === "." || r === "+" || r === "-" || (r >= "0" && r <= "9")) {
      this.backup(r);
      return this.number();
    }
    if (isAlphaNumeric(r)) {
      this.backup(r);
      return this.identifier();
    }
    if (r.length === 1 && r >= " " && r <= "~") return this.emit("char");
    return this.errorf(`unrecognized character in action: ${goRuneLabel(r)}`);
  }

  /** A run of spaces; careful with " -}}", whose space belongs to the delimiter. */
  private space(): boolean {
    let n = 0;
    while (isSpace(this.peek())) {
      this.next();
      n++;
    }
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT, this.pos - 1 + 2)) {
      this.pos--;
      if (n === 1) return this.rightDelim();
    }
    return this.emit("space");
  }

  private identifier(): boolean {
    let r: string | undefined;
    while (isAlphaNumeric((r = this.next())));
    this.backup(r);
    const word = this.input.slice(this.start, this.pos);
    if (!this.atTerminator()) return this.errorf(`bad character ${goRuneLabel(r)}`);
    const key = KEYWORDS.get(word);
    if (key !== undefined && key !== "dot") return this.emit(key);
    if (word === "true" || word === "false") return this.emit("bool");
    return this.emit("identifier");
  }

  private variable(): boolean {
    if (this.atTerminator()) return this.emit("variable");
    return this.fieldOrVariable("variable");
  }

  private fieldOrVariable(type: "field" | "variable"): boolean {
    if (this.atTerminator()) return this.emit(type === "variable" ? "variable" : "dot");
    let r: string | undefined;
    while (isAlphaNumeric((r = this.next())));
    this.backup(r);
    if (!this.atTerminator()) return this.errorf(`bad character ${goRuneLabel(r)}`);
    return this.emit(type);
  }

  /** Can an identifier end here? Breaks .X.Y into two pieces; rejects "$x+2". */
  private atTerminator(): boolean {
    const r = this.peek();
    if (r === undefined || isSpace(r)) return true;
    if (".,|:)(".includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  private charConstant(): boolean {
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

  private number(): boolean {
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

  private quote(): boolean {
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

  private rawQuote(): boolean {
    const x = this.input.indexOf("`", this.pos);
    if (x < 0) return this.errorf("unterminated raw quoted string", this.start, this.start + 1);
    this.pos = x + 1;
    return this.emit("rawString");
  }
}

function leftTrimLength(s: string, at: number): number {
  let i = at;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i - at;
}

/** Go's %#U: `U+0023 '#'`. */
export function goRuneLabel(r: string | undefined): string {
  if (r === undefined) return "U+FFFFFFFFFFFFFFFF"; // Go prints eof (-1) this way
  const cp = r.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return /\p{L}|\p{M}|\p{N}|\p{P}|\p{S}|\p{Zs}/u.test(r) ? `U+${hex} '${r}'` : `U+${hex}`;
}

/** Go's %q for short diagnostic strings (ASCII printable kept, the rest escaped). */
export function goQuoteShort(s: string): string {
  return JSON.stringify(s);
}
