import { OffsetMapBuilder, type OffsetMap, type QuoteStyle } from "./ast.js";
import { afterLineBreak, isTrimmable, lineEndFrom } from "./chars.js";

/**
 * The value of an instruction, Ollama's way. Grammar:
 *
 *     value  = blank* ( bare | double | triple ) blank*
 *     bare   = any text up to the end of the line (no quote first)
 *     triple = '"""' raw text, over any number of lines, '"""'
 *     double = '"' text with \" and \\ escapes, over any number of lines, '"'
 *
 * A quoted value ends at the end of the first line where the text read so far,
 * trimmed, ends with its closing quote (Ollama reads the same way: so
 * `"""a """ b"""` on one line is the value `a """ b`). Inside a value CRLF (and a
 * lone CR) reads as LF, so a file checked out with Windows line endings means
 * the same; a value therefore never holds a CR.
 * `"""` text is raw; in `"` text only `\"` and `\\` are escapes (a modelsmith
 * addition: Ollama keeps the backslashes), any other backslash is itself.
 */
export interface LexedValue {
  value: string;
  quote: QuoteStyle;
  /** Source offsets of the value as written, quotes included. */
  start: number;
  end: number;
  /** Offset of the line break (or text end) that ends the value's last line. */
  lineEnd: number;
  map: OffsetMap;
  /** Set when the closing quote never came: the value runs to the end of the text. */
  unterminated?: { hint: string };
  /** For a quoted value over several lines: the first inner line that starts like an instruction. */
  swallowed?: { start: number; end: number; keyword: string };
}

/** Lexes a value starting at `from`; undefined when the line holds only blanks (a missing value). */
export function lexValue(text: string, from: number): LexedValue | undefined {
  let lineEnd = lineEndFrom(text, from);
  let start = from;
  while (start < lineEnd && isTrimmable(text[start])) start++;
  if (start === lineEnd) return undefined;

  const quote: QuoteStyle = text.startsWith('"""', start) ? "triple" : text[start] === '"' ? "double" : "bare";
  const q = quote === "triple" ? 3 : quote === "double" ? 1 : 0;
  for (;;) {
    let end = lineEnd;
    while (end > start && isTrimmable(text[end - 1])) end--;
    if (quote === "bare" || isClosed(text, quote, start, end)) {
      const { value, map } = decodeContent(text, quote, start + q, end - q);
      const lexed: LexedValue = { value, quote, start, end, lineEnd, map };
      const swallowed = quote === "bare" ? undefined : instructionInside(text, start, end);
      if (swallowed) lexed.swallowed = swallowed;
      return lexed;
    }
    if (lineEnd >= text.length) {
      const { value, map } = decodeContent(text, quote, start + q, end);
      return { value, quote, start, end, lineEnd, map, unterminated: { hint: unterminatedHint(text, quote, start) } };
    }
    lineEnd = lineEndFrom(text, afterLineBreak(text, lineEnd));
  }
}

function isClosed(text: string, quote: QuoteStyle, start: number, end: number): boolean {
  if (quote === "triple") return end - start >= 6 && text.startsWith('"""', end - 3);
  if (end - start < 2 || text[end - 1] !== '"') return false;
  let backslashes = 0;
  for (let i = end - 2; i > start && text[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0;
}

function decodeContent(text: string, quote: QuoteStyle, from: number, to: number): { value: string; map: OffsetMap } {
  const out: string[] = [];
  const map = new OffsetMapBuilder();
  for (let i = from; i < to; i++) {
    let c = text[i]!;
    if (c === "\r") {
      if (text[i + 1] === "\n") continue;
      c = "\n"; // a lone CR ends a line too, so it reads as LF
    }
    if (quote === "double" && c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\") && i + 1 < to) c = text[++i]!;
    out.push(c);
    map.push(i);
  }
  return { value: out.join(""), map: map.build(to) };
}

const INSTRUCTION_LINE = /^[ \t]*(FROM|PARAMETER|TEMPLATE|SYSTEM|ADAPTER|LICENSE|MESSAGE|REQUIRES|FORMAT)[ \t]/;

/** An inner line (not the first) of a quoted value that looks like an upper-case instruction. */
function instructionInside(text: string, start: number, end: number): LexedValue["swallowed"] {
  let lineStart = afterLineBreak(text, lineEndFrom(text, start));
  while (lineStart < end) {
    const lineEnd = lineEndFrom(text, lineStart);
    const m = INSTRUCTION_LINE.exec(text.slice(lineStart, Math.min(lineEnd, end)));
    if (m) {
      const at = lineStart + m[0].length - 1 - m[1]!.length;
      return { start: at, end: at + m[1]!.length, keyword: m[1]! };
    }
    lineStart = afterLineBreak(text, lineEnd);
  }
  return undefined;
}

function unterminatedHint(text: string, quote: QuoteStyle, start: number): string {
  const close = quote === "triple" ? '"""' : '"';
  const firstLine = text.slice(start + close.length, lineEndFrom(text, start));
  const closedEarly = quote === "triple" ? firstLine.includes('"""') : /(^|[^\\])(\\\\)*"/.test(firstLine);
  if (quote === "double" && /(^|[^\\])(\\\\)*\\"[ \t]*$/.test(firstLine)) return 'the closing " is escaped by the `\\` before it; write `\\\\` for a backslash at the end';
  if (closedEarly) return `text follows the closing ${close} on the same line; a quoted value must end its line`;
  const inner = instructionInside(text, start, text.length);
  if (inner) return `close the value with ${close} at the end of a line; it now runs over the ${inner.keyword} below and every line after it`;
  return `close the value with ${close} at the end of a line`;
}
