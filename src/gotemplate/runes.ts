/**
 * The character classes of Go's template lexer (lex.go: isSpace,
 * isAlphaNumeric, the trim markers) and how Go's messages print a rune or a
 * short string.
 */
export const LEFT = "{{";
export const RIGHT = "}}";
const SPACE_CHARS = " \t\r\n";

export const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
export const isAlphaNumeric = (c: string | undefined) => c !== undefined && LETTER_OR_DIGIT.test(c);
/** `{{- `: the marker needs one ASCII space after it. */
export const hasLeftTrimMarker = (s: string, at: number) => s[at] === "-" && isSpace(s[at + 1]);
/** ` -}}`: the marker needs one ASCII space before it. */
export const hasRightTrimMarker = (s: string, at: number) => isSpace(s[at]) && s[at + 1] === "-";

/** How many space, tab, CR and LF characters start at `at`. */
export function leftTrimLength(s: string, at: number): number {
  let i = at;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i - at;
}

/** Where the text before `end` stops once trailing spaces are trimmed, not before `start`. */
export function rightTrimmedEnd(s: string, start: number, end: number): number {
  let i = end;
  while (i > start && SPACE_CHARS.includes(s[i - 1]!)) i--;
  return i;
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
