import { isTrimmable } from "./chars.js";

/**
 * Writes a value so that the lexer reads it back unchanged, choosing the form
 * that needs no escapes (so Ollama, which knows no escapes, reads it the same):
 *
 * 1. bare, when it is one non-empty line, starts and ends with no white space,
 *    does not start with `"` and holds no ` #` (which reads like a comment);
 * 2. `"..."`, when it is one line without `"` or `\`;
 * 3. `"""..."""`, when it does not contain `"""` (a line ending in `"""`
 *    would close it early; nothing else can);
 * 4. otherwise `"..."` with every `\` and `"` escaped.
 *
 * Values never hold CR (the lexer reads every line break as LF).
 */
export function quoteValue(value: string): string {
  const oneLine = !value.includes("\n");
  if (oneLine && isBareSafe(value)) return value;
  if (oneLine && !/["\\]/.test(value)) return `"${value}"`;
  if (!value.includes('"""')) return `"""${value}"""`;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function isBareSafe(value: string): boolean {
  return value !== "" && !isTrimmable(value[0]) && !isTrimmable(value[value.length - 1]) && value[0] !== '"' && !/[ \t]#/.test(value);
}
