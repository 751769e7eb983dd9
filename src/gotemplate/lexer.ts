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
import { hasLeftTrimMarker, hasRightTrimMarker, isAlphaNumeric, isSpace, goRuneLabel, LEFT, leftTrimLength, RIGHT, rightTrimmedEnd } from "./runes.js";
import { Scanner } from "./scanner.js";
import type { Token, TokenType } from "./token.js";

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  [".", "dot"], ["block", "block"], ["break", "break"], ["continue", "continue"], ["define", "define"],
  ["else", "else"], ["end", "end"], ["if", "if"], ["range", "range"], ["nil", "nil"],
  ["template", "template"], ["with", "with"],
]);

/** Lexes the whole input; the list ends with one "eof" or one "error" token. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}

class Lexer extends Scanner {
  private parenDepth = 0;
  private readonly parens: number[] = [];
  private actionStart = 0;

  run(): Token[] {
    let inside = false;
    for (;;) {
      const ok = inside ? this.insideAction() : this.text();
      const last = this.out[this.out.length - 1];
      if (!ok || last?.type === "eof" || last?.type === "error") return this.out;
      inside = last?.type === "leftDelim" || (last?.type !== "rightDelim" && inside);
    }
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
    const textEnd = hasLeftTrimMarker(this.input, x + LEFT.length) ? rightTrimmedEnd(this.input, this.start, x) : x;
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
}
