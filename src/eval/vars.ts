/**
 * Variables in prompts: `{{name}}` or `{{ name }}`, where a name is a letter or
 * `_` followed by letters, digits, `_`, `.` or `-`. Anything else between braces
 * (`{{ .Prompt }}`, `{{}}`) is plain text and left as it is, so prompts can talk
 * about Go templates. There is no escaping: a placeholder always substitutes.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** The placeholders of `text`, in order, each with its offset and length in `text`. */
export function placeholders(text: string): { name: string; offset: number; length: number }[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, offset: m.index, length: m[0].length }));
}

/** `text` with each placeholder replaced by its var; a placeholder without a var is left as written. */
export function substituteVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}
