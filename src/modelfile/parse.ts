import { error, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/position.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { AstNode, InstructionNode, Keyword, ModelfileAst, Token } from "./ast.js";
import { KEYWORDS, afterLineBreak, isAsciiLetter, isBlank, isTrimmable, keywordOf, lineEndFrom } from "./chars.js";
import { lexValue } from "./lex-value.js";

export interface ParseResult {
  ast: ModelfileAst;
  /** Syntax problems (MS1xxx), every one found, in source order. */
  diagnostics: Diagnostic[];
}

/**
 * Text to syntax tree. The grammar, line by line (Ollama's `parser.ParseFile`):
 *
 *     line        = blank* ( comment | instruction )? blank* EOL
 *     comment     = "#" any text                       (only at the start of a line)
 *     instruction = KEYWORD blank+ value
 *                 | "PARAMETER" blank+ name blank+ value       name = [A-Za-z0-9_]+
 *                 | "MESSAGE" blank+ role blank+ value         role = [A-Za-z]+
 *     KEYWORD     = FROM | TEMPLATE | SYSTEM | ADAPTER | LICENSE | REQUIRES | FORMAT
 *                 | DRAFT | RENDERER | PARSER              (any letter case)
 *
 * `value` is described in lex-value.ts. Blank is space or tab; EOL is LF, CRLF
 * or CR. Never throws: a line that does not parse yields a diagnostic and no
 * node, and parsing goes on with the next line, so every problem is reported.
 * Deliberately stricter than Ollama: a keyword without a value (Ollama reads
 * `SYSTEM ` as an empty text) is MS1004; write `SYSTEM ""`.
 */
export function parseModelfile(text: string, file?: string): ParseResult {
  return new Parser(text, file).run();
}

class Parser {
  private readonly index: LineIndex;
  private readonly nodes: AstNode[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly broken: NonNullable<ModelfileAst["broken"]> = [];
  private blankBefore = false;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {
    this.index = new LineIndex(text);
  }

  run(): ParseResult {
    let pos = 0;
    while (pos < this.text.length) pos = this.line(pos);
    const ast: ModelfileAst = { text: this.text, nodes: this.nodes };
    if (this.file !== undefined) ast.file = this.file;
    if (this.broken.length > 0) ast.broken = this.broken;
    return { ast, diagnostics: this.diagnostics };
  }

  /** Parses the line (or multi-line instruction) starting at `pos`; returns where the next one starts. */
  private line(pos: number): number {
    const text = this.text;
    const lineEnd = lineEndFrom(text, pos);
    let i = pos;
    while (i < lineEnd && isBlank(text[i])) i++;
    if (i === lineEnd) {
      if (this.nodes.length > 0) this.blankBefore = true;
      return afterLineBreak(text, lineEnd);
    }
    if (text[i] === "#") {
      let end = lineEnd;
      while (end > i + 1 && isTrimmable(text[end - 1])) end--;
      this.push({ kind: "comment", text: text.slice(i + 1, end), range: this.range(i, end), blankBefore: false });
      return afterLineBreak(text, lineEnd);
    }
    if (!isAsciiLetter(text[i])) {
      const token = this.tokenAt(i, lineEnd);
      this.error("MS1003", `expected an instruction, found \`${clip(token)}\``, i, i + token.length, {
        hint: "a line starts with an instruction (FROM, PARAMETER, ...) or `#`; text over several lines must be quoted with \"\"\"",
      });
      return afterLineBreak(text, lineEnd);
    }
    let j = i;
    while (isAsciiLetter(text[j])) j++;
    const word = text.slice(i, j);
    const keyword = keywordOf(word);
    if (j < lineEnd && !isBlank(text[j])) {
      const token = this.tokenAt(i, lineEnd);
      if (keyword) {
        this.error("MS1010", `expected a space after ${keyword}`, j, j + 1);
        this.broken.push({ keyword, range: this.range(i, j) });
      }
      else this.unknownInstruction(token, i);
      return afterLineBreak(text, lineEnd);
    }
    if (!keyword) {
      this.unknownInstruction(word, i);
      // Skip its value as a value, so that a quoted text over several lines is not read as instructions.
      const skipped = j < lineEnd ? lexValue(text, j) : undefined;
      return afterLineBreak(text, skipped ? skipped.lineEnd : lineEnd);
    }
    return this.instruction(keyword, i, j, lineEnd);
  }

  private instruction(keyword: Keyword, start: number, keywordEnd: number, lineEnd: number): number {
    const next = this.parseInstruction(keyword, start, keywordEnd, lineEnd);
    if (typeof next === "number") return next;
    this.broken.push({ keyword, range: this.range(start, keywordEnd) });
    return next.resume;
  }

  /** Adds the node and returns where the next line starts, or returns `{resume}` when the instruction is broken. */
  private parseInstruction(keyword: Keyword, start: number, keywordEnd: number, lineEnd: number): number | { resume: number } {
    const text = this.text;
    let valueFrom = keywordEnd;
    let name: Token | undefined;
    let ok = true;
    if (keyword === "PARAMETER" || keyword === "MESSAGE") {
      let p = keywordEnd;
      while (p < lineEnd && isBlank(text[p])) p++;
      const what = keyword === "PARAMETER" ? "a parameter name and a value" : "a role and a message";
      if (p === lineEnd) {
        this.error("MS1004", `${keyword} needs ${what}`, keywordEnd, keywordEnd, { hint: example(keyword) });
        return { resume: afterLineBreak(text, lineEnd) };
      }
      const token = this.tokenAt(p, lineEnd);
      name = { text: token, range: this.range(p, p + token.length) };
      ok = this.checkName(keyword, token, p);
      valueFrom = p + token.length;
      if (valueFrom === lineEnd || lexValue(text, valueFrom) === undefined) {
        if (ok) this.error("MS1004", `${keyword} ${token} needs a value`, valueFrom, valueFrom, { hint: example(keyword) });
        return { resume: afterLineBreak(text, lineEnd) };
      }
    }
    const lexed = lexValue(text, valueFrom);
    if (!lexed) {
      this.error("MS1004", `${keyword} needs a value`, keywordEnd, keywordEnd, { hint: example(keyword) });
      return { resume: afterLineBreak(text, lineEnd) };
    }
    if (lexed.unterminated) {
      const q = lexed.quote === "triple" ? 3 : 1;
      this.error("MS1005", `unterminated ${lexed.quote === "triple" ? '"""' : '"'} value of ${keyword}`, lexed.start, lexed.start + q, lexed.unterminated);
      return { resume: afterLineBreak(text, lexed.lineEnd) };
    }
    if (lexed.swallowed) {
      const s = lexed.swallowed;
      this.diagnostics.push(
        warning("MS1009", `this ${s.keyword} line is part of the quoted value of the ${keyword} above`, {
          file: this.file,
          range: this.range(s.start, s.end),
          hint: `the ${keyword} value opened on line ${this.index.position(lexed.start).line} ends only at a line that ends with its closing quote`,
        }),
      );
    }
    if (ok) {
      const node: InstructionNode = {
        kind: "instruction",
        keyword,
        keywordRange: this.range(start, keywordEnd),
        value: { value: lexed.value, quote: lexed.quote, range: this.range(lexed.start, lexed.end), map: lexed.map },
        range: this.range(start, lexed.end),
        blankBefore: false,
      };
      if (name) node.name = name;
      this.push(node);
      return afterLineBreak(text, lexed.lineEnd);
    }
    return { resume: afterLineBreak(text, lexed.lineEnd) };
  }

  private checkName(keyword: "PARAMETER" | "MESSAGE", token: string, at: number): boolean {
    if (keyword === "PARAMETER") {
      if (/^[A-Za-z0-9_]+$/.test(token)) return true;
      const fixed = token.replace(/-/g, "_");
      this.error("MS1006", `invalid parameter name \`${clip(token)}\``, at, at + token.length, {
        hint: /^[A-Za-z0-9_]+$/.test(fixed) ? `did you mean \`${fixed}\`?` : "parameter names are letters, digits and `_`",
      });
      return false;
    }
    if (/^[A-Za-z]+$/.test(token)) return true;
    const word = /^[A-Za-z]+/.exec(token)?.[0];
    this.error("MS1007", `invalid message role \`${clip(token)}\``, at, at + token.length, {
      hint: word ? `write \`MESSAGE ${word} <content>\`` : "write `MESSAGE <system|user|assistant> <content>`",
    });
    return false;
  }

  private unknownInstruction(word: string, at: number): void {
    const suggestion = didYouMean(word, KEYWORDS);
    this.error("MS1002", `unknown instruction \`${clip(word)}\``, at, at + word.length, {
      hint: suggestion ?? "instructions are FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, MESSAGE, REQUIRES and FORMAT",
    });
  }

  /** The text from `at` up to the next blank or line end. */
  private tokenAt(at: number, lineEnd: number): string {
    let k = at;
    while (k < lineEnd && !isBlank(this.text[k])) k++;
    return this.text.slice(at, k);
  }

  private push(node: AstNode): void {
    node.blankBefore = this.blankBefore;
    this.blankBefore = false;
    this.nodes.push(node);
  }

  private range(start: number, end: number) {
    return this.index.range(start, end);
  }

  private error(code: string, message: string, start: number, end: number, extra: { hint?: string } = {}): void {
    this.diagnostics.push(error(code, message, { file: this.file, range: this.range(start, end), hint: extra.hint }));
  }
}

function example(keyword: Keyword): string {
  switch (keyword) {
    case "PARAMETER":
      return "e.g. `PARAMETER temperature 0.7`";
    case "MESSAGE":
      return 'e.g. `MESSAGE user "Hello!"`';
    case "FROM":
      return "e.g. `FROM llama3:8b` or `FROM ./model.gguf`";
    default:
      return `an empty text is written \`${keyword} ""\``;
  }
}

/** Keeps messages one line and short. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
