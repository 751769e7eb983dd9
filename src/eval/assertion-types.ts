import { EXTRA_ASSERTION_TYPES } from "./assertions/extra.js";

/**
 * The assertion vocabulary, promptfoo's names: each type may be negated with a
 * `not-` prefix (`not-contains`), which inverts pass and score.
 *
 * | type | value | passes when the output ... |
 * |---|---|---|
 * | equals | text (or a JSON value: compared parsed) | is exactly the value |
 * | contains / icontains | text (or a number) | contains it (icontains: ignoring case) |
 * | contains-any / icontains-any | list of texts, or one text of comma-separated items | contains at least one |
 * | contains-all / icontains-all | list of texts, or one text of comma-separated items | contains every one |
 * | starts-with | text | starts with it |
 * | regex | pattern (JavaScript), optional `flags` | matches it |
 * | is-json | optional JSON Schema: a map, one written as YAML text, or `file://path` | parses as JSON (and the schema accepts it) |
 * | contains-json | as is-json | contains a JSON object (that the schema accepts) |
 * | word-count | a number (exact), or {min, max} | has that many whitespace-separated words |
 * | finish-reason | stop / length | ended for that reason (`length`: it hit num_predict) |
 * | latency | (none; `threshold` in ms) | was generated within `threshold` milliseconds (without one, `metric` needed: passes scoring the ms) |
 * | javascript | an expression over `output` and `context`, a body that `return`s, or file://script.js | gives true, a number >= `threshold` (default: > 0) used as the score, or a grading object {pass, score, reason} |
 * | levenshtein | text | is within `threshold` edits (default 5; `not-` ignored, as promptfoo) |
 * | rouge-n | reference text | has a ROUGE-1 F-score >= `threshold` (default 0.75) |
 * | bleu | reference text or list | has a BLEU-4 >= `threshold` (default 0.5) |
 * | similar | text or list | has embeddings with cosine similarity >= `threshold` (default 0.75) |
 * | llm-rubric | rubric | is passed by the grader (a project model) |
 * | model-graded-closedqa | criterion | meets it, says the grader |
 * | factuality | the expert answer | agrees with it, says the grader |
 * | answer-relevance | (none) | answers the prompt, by similarity to questions the grader writes (`threshold`, default 0.7) |
 *
 * Details of the last eight, and their value forms: assertions/extra.ts. Which
 * types take `threshold`: THRESHOLD_TYPES in value-forms.ts. Besides these,
 * `type: assert-set` groups assertions (its own `assert:`, `threshold`,
 * `weight`, `metric`; scoring.ts); every assertion may carry `weight`,
 * `metric` and `transform`. promptfoo's other types are refused by name
 * (MS6320, promptfoo-types.ts).
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

/**
 * promptfoo's other names for types modelsmith runs: its handler map gives
 * `model-graded-factuality` to handleFactuality and `similar:cosine` to
 * handleSimilar (cosine, as `similar`). The assertion keeps the name written.
 */
export const TYPE_ALIASES: Readonly<Record<string, AssertionType>> = { "model-graded-factuality": "factuality", "similar:cosine": "similar" };

/** Every name a test file may write: each type, each alias, and their `not-` forms. */
export const ALL_ASSERTION_NAMES: readonly string[] = [...ASSERTION_TYPES, ...Object.keys(TYPE_ALIASES)].flatMap((t) => [t, `not-${t}`]);

/** Splits `not-contains` into its type (an alias resolved) and negation; undefined for an unknown name. */
export function parseAssertionName(name: string): { type: AssertionType; negate: boolean } | undefined {
  const negate = name.startsWith("not-");
  const base = negate ? name.slice(4) : name;
  if (Object.hasOwn(TYPE_ALIASES, base)) return { type: TYPE_ALIASES[base]!, negate };
  return (ASSERTION_TYPES as readonly string[]).includes(base) ? { type: base as AssertionType, negate } : undefined;
}

/** Finish reasons an output can have (GenerateResult.finishReason). */
export const FINISH_REASONS = ["stop", "length", "abort"] as const;
