import type { Keyword } from "./ast.js";

/** Every instruction keyword, in the order the printer of typed Modelfiles uses. */
export const KEYWORDS: readonly Keyword[] = [
  "FROM",
  "ADAPTER",
  "TEMPLATE",
  "SYSTEM",
  "PARAMETER",
  "MESSAGE",
  "LICENSE",
  "REQUIRES",
  "FORMAT",
  "DRAFT",
  "RENDERER",
  "PARSER",
];

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** The keyword for a word written in any case, or undefined. */
export function keywordOf(word: string): Keyword | undefined {
  const upper = word.toUpperCase();
  return KEYWORD_SET.has(upper) ? (upper as Keyword) : undefined;
}

/** Separators between keyword, name and value: space and tab only, as in Ollama. */
export function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/** A line ends at LF, at CRLF, or at a lone CR (Ollama treats CR as a line end too). */
export function isLineBreak(c: string | undefined): boolean {
  return c === "\n" || c === "\r";
}

export function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
}

/** Offset of the line break that ends the line containing `from` (text.length at the last line). */
export function lineEndFrom(text: string, from: number): number {
  for (let i = from; i < text.length; i++) if (isLineBreak(text[i])) return i;
  return text.length;
}

/** Offset just past the line break at `lineEnd` (CRLF counts as one break). */
export function afterLineBreak(text: string, lineEnd: number): number {
  if (lineEnd >= text.length) return text.length;
  return text[lineEnd] === "\r" && text[lineEnd + 1] === "\n" ? lineEnd + 2 : lineEnd + 1;
}

/**
 * White space as Go's `strings.TrimSpace` sees it (Unicode White_Space), which
 * is what Ollama trims around a value before looking for quotes.
 */
export function isTrimmable(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
