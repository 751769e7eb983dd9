import { EXTRA_ASSERTION_TYPES } from "./assertions/extra.js";

/**
 * The assertion vocabulary, promptfoo's names: each type may be negated with a
 * `not-` prefix (`not-contains`), which inverts pass and score.
 *
 * | type | value | passes when the output ... |
 * |---|---|---|
 * | equals | text (or a JSON value: compared parsed) | is exactly the value |
 * | contains / icontains | text | contains it (icontains: ignoring case) |
 * | contains-any / icontains-any | list of texts | contains at least one |
 * | contains-all / icontains-all | list of texts | contains every one |
 * | starts-with | text | starts with it |
 * | regex | pattern (JavaScript), optional `flags` | matches it |
 * | is-json | optional JSON Schema: a map, or `file://path` / a path relative to the test file | parses as JSON (and the schema accepts it) |
 * | word-count | a number (exact), or {min, max} | has that many whitespace-separated words |
 * | finish-reason | stop / length | ended for that reason (`length`: it hit num_predict) |
 * | latency | (none; `threshold` in ms) | was generated within `threshold` milliseconds |
 * | javascript | an expression over `output` (or a body that `return`s) | gives true, or a number >= `threshold` (default: > 0) used as the score |
 */
export const ASSERTION_TYPES = [
  "equals",
  "contains",
  "icontains",
  "contains-any",
  "icontains-any",
  "contains-all",
  "icontains-all",
  "starts-with",
  "regex",
  "is-json",
  "word-count",
  "finish-reason",
  "latency",
  "javascript",
  // contains-json, levenshtein, rouge-n, bleu, similar and the model-graded ones: assertions/extra.ts
  ...EXTRA_ASSERTION_TYPES,
] as const;

export type AssertionType = (typeof ASSERTION_TYPES)[number];

/** Every name a test file may write: each type and its `not-` form. */
export const ALL_ASSERTION_NAMES: readonly string[] = ASSERTION_TYPES.flatMap((t) => [t, `not-${t}`]);

/** Splits `not-contains` into its type and negation; undefined for an unknown name. */
export function parseAssertionName(name: string): { type: AssertionType; negate: boolean } | undefined {
  const negate = name.startsWith("not-");
  const base = negate ? name.slice(4) : name;
  return (ASSERTION_TYPES as readonly string[]).includes(base) ? { type: base as AssertionType, negate } : undefined;
}

/** Finish reasons an output can have (GenerateResult.finishReason). */
export const FINISH_REASONS = ["stop", "length", "abort"] as const;
