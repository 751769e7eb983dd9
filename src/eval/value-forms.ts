import { parse as parseYaml } from "yaml";

/**
 * Value forms promptfoo accepts beside the plain ones, read as promptfoo reads
 * them (links in test/eval/promptfoo-parity.test.ts).
 */

/**
 * Types whose `threshold` means something, or that promptfoo's CSV shorthand
 * gives one (src/csv.ts: `type(0.9): value`); elsewhere `threshold` is an error
 * (promptfoo ignores it there).
 */
export const THRESHOLD_TYPES: ReadonlySet<string> = new Set(["latency", "javascript", "starts-with", "levenshtein", "rouge-n", "bleu", "similar", "llm-rubric", "perplexity", "perplexity-score", "answer-relevance", "classifier", "cost"]);

/**
 * promptfoo's parseCommaSeparatedValues (src/util/parseCommaSeparatedValues.ts):
 * items split at commas and trimmed, repeated commas skipped; an item in double
 * quotes keeps its commas (`\"` or `""` is a quote inside it). Returns the
 * problem as a string where promptfoo's invariant throws.
 */
export function parseCommaSeparatedValues(value: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < value.length && /\s/.test(value[i]!)) i++;
  };
  while (i < value.length) {
    for (;;) {
      skipSpace();
      if (value[i] !== ",") break;
      i++;
    }
    if (i >= value.length) break;
    if (value[i] === '"') {
      let field = "";
      let closed = false;
      i++;
      while (i < value.length) {
        if (value[i] === "\\" && i + 1 < value.length && (value[i + 1] === '"' || value[i + 1] === "\\")) {
          field += value[i + 1];
          i += 2;
        } else if (value[i] === '"' && value[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          closed = true;
          break;
        } else field += value[i++];
      }
      if (!closed) return "unterminated quoted item";
      out.push(field);
      skipSpace();
      if (i < value.length && value[i] !== ",") return "expected a comma after a quoted item";
    } else {
      const start = i;
      while (i < value.length && value[i] !== ",") i++;
      out.push(value.slice(start, i).trim());
    }
  }
  return out;
}

/**
 * An is-json value given as a string that is not file://: promptfoo loads it
 * as YAML (js-yaml) and compiles the result as the schema. A map (or a
 * boolean) is a schema; a one-word scalar ending in .json, .yaml or .yml is
 * taken as a schema file's path (modelsmith's older form); anything else is
 * refused here, where promptfoo fails every output with "Invalid JSON schema".
 */
export function parseJsonSchemaString(v: string): { kind: "schema"; schema: object } | { kind: "path" } | { kind: "bad"; message: string } {
  let parsed: unknown;
  try {
    parsed = parseYaml(v) as unknown;
  } catch (e) {
    return { kind: "bad", message: `the text is not YAML (${(e as Error).message.split("\n")[0]})` };
  }
  if (parsed === true) return { kind: "schema", schema: {} };
  if (parsed === false) return { kind: "schema", schema: { not: {} } };
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return { kind: "schema", schema: parsed };
  if (typeof parsed === "string" && /^\S+\.(json|ya?ml)$/i.test(v.trim())) return { kind: "path" };
  return { kind: "bad", message: `the text reads as ${Array.isArray(parsed) ? "a list" : parsed === null ? "null" : `a ${typeof parsed}`}, not a schema` };
}
