import type { AssertionValue, Assertion } from "../test-file.js";
import { compileSchema } from "../json-schema.js";
import { bleu, extractJsonObjects, levenshtein, rouge1 } from "./text-metrics.js";
import { NOT_IGNORED_TYPES } from "../promptfoo-types.js";

/**
 * The assertions of promptfoo's wider vocabulary (issue 11, item 6), their
 * value forms, defaults and how each grades an output. Pure: the ones that
 * need a model (`similar` and the model-graded ones) grade from a
 * {@link Judged} result that graders.ts computed before grading.
 *
 * | type | value | threshold (default) | passes when |
 * |---|---|---|---|
 * | contains-json | optional JSON Schema (as is-json) | - | some JSON object in the output (and the schema accepts one) |
 * | levenshtein | text | most edits (5; promptfoo's `threshold ?? 5`; `not-` is ignored, as promptfoo does) | edit distance <= threshold |
 * | rouge-n | text | 0.75 | ROUGE-1 F-score (js-rouge) >= threshold |
 * | bleu | text or list of references | 0.5 | BLEU-4 >= threshold |
 * | similar | text or list | 0.75 | cosine similarity of embeddings >= threshold (any of the list) |
 * | llm-rubric | rubric text | optional: score must reach it | the grader's JSON verdict passes |
 * | model-graded-closedqa | criterion | - | the grader's answer ends with Y |
 * | factuality | the expert answer | - | the grader's category is A, B, C or E |
 * | answer-relevance | (none) | 0.7 | mean similarity of the prompt to 3 questions the grader writes from the output |
 * | perplexity | (none) | optional | exp(-mean log-probability of the generated tokens) <= threshold (perplexity.ts) |
 * | perplexity-score | (none) | optional | 1 / (1 + perplexity) >= threshold; scores that |
 */
export const EXTRA_ASSERTION_TYPES = [
  "contains-json",
  "levenshtein",
  "rouge-n",
  "bleu",
  "similar",
  "llm-rubric",
  "model-graded-closedqa",
  "factuality",
  "answer-relevance",
  "perplexity",
  "perplexity-score",
] as const;
export type ExtraAssertionType = (typeof EXTRA_ASSERTION_TYPES)[number];

/** Types graded by a text model of the project (`grader:`, or the assertion's `provider:`). */
export const GRADED_TYPES: ReadonlySet<string> = new Set(["llm-rubric", "model-graded-closedqa", "factuality", "answer-relevance"]);
/** Types that need a model at all: the graded ones and `similar` (embeddings). */
export const MODEL_TYPES: ReadonlySet<string> = new Set([...GRADED_TYPES, "similar"]);
// Which of these take `threshold`: THRESHOLD_TYPES in ../value-forms.ts.

export const isExtraType = (t: string): t is ExtraAssertionType => (EXTRA_ASSERTION_TYPES as readonly string[]).includes(t);

/** The result a model gave for one assertion on one output, in its positive form. */
export interface Judged {
  pass: boolean;
  score: number;
  reason: string;
}

type Report = (message: string, hint?: string) => void;
const isScalar = (v: unknown): v is string | number | boolean => ["string", "number", "boolean"].includes(typeof v);

/** The normalized value of an extra type other than contains-json (which takes is-json's forms); undefined after a report. */
export function normalizeExtraValue(type: Exclude<ExtraAssertionType, "contains-json">, v: unknown, report: Report): AssertionValue | undefined {
  switch (type) {
    case "levenshtein":
    case "rouge-n":
    case "llm-rubric":
    case "model-graded-closedqa":
    case "factuality": {
      const what = { levenshtein: "the expected text", "rouge-n": "the reference text", "llm-rubric": "the rubric", "model-graded-closedqa": "the criterion", factuality: "the expert answer" }[type];
      if (v === undefined) return report(`${type} needs a \`value\`: ${what}`), undefined;
      if (!isScalar(v) || String(v).trim() === "") return report(`${type} takes one non-empty text: ${what}`), undefined;
      return { kind: "text", text: String(v) };
    }
    case "bleu":
    case "similar":
      if (v === undefined) return report(`${type} needs a \`value\`: a text or a list of texts`), undefined;
      if (isScalar(v)) return { kind: "list", items: [String(v)] };
      if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) return report(`${type} takes a text or a non-empty list of texts`, "e.g. value: [Hello, Hi there]"), undefined;
      return { kind: "list", items: v.map(String) };
    case "answer-relevance":
      // promptfoo reads no value: the prompt (or vars.query) is the question.
      return { kind: "none" };
    case "perplexity":
    case "perplexity-score":
      // promptfoo's handlers read only `threshold` and the log-probabilities; a value would be silently ignored there (an empty one, as a CSV cell `perplexity(1.5):` gives, is none).
      if (v !== undefined && v !== null && v !== "") return report(`${type} takes \`threshold\`, not \`value\``, `e.g. {type: ${type}, threshold: ${type === "perplexity" ? 1.5 : 0.4}}`), undefined;
      return { kind: "none" };
  }
}

export interface ExtraPositive {
  pass: boolean;
  score?: number;
  /** `not-` leaves the result as it is (promptfoo's handler does not read `inverse`). */
  ignoresNot?: boolean;
  /** The assertion could not run: it fails, negated or not, scoring 0. */
  error?: boolean;
  expected: string;
  detail?: string;
}

const q = (s: string) => JSON.stringify(s);

/** Grades an extra type in its positive form; `judged` is what graders.ts got from a model for it. */
export function extraPositive(a: Assertion, text: string, judged: Judged | undefined): ExtraPositive {
  const v = a.value;
  const textValue = v.kind === "text" ? v.text : "";
  const items = v.kind === "list" ? v.items : [];
  switch (a.type as ExtraAssertionType) {
    case "contains-json": {
      const schema = v.kind === "schema" ? v.schema : v.kind === "schema-file" ? v.schema : undefined;
      const found = extractJsonObjects(text);
      const expected = schema ? "contain JSON that matches the schema" : "contain JSON";
      if (found.length === 0) return { pass: false, expected, detail: "no JSON object in the output" };
      if (!schema) return { pass: true, expected };
      const validate = compileSchema(schema);
      for (const o of found) if (validate(o)) return { pass: true, expected };
      const first = validate.errors?.[0];
      return { pass: false, expected, detail: `schema: ${first ? `${first.instancePath || "(root)"} ${first.message ?? "is invalid"}` : "rejected"}` };
    }
    case "levenshtein": {
      // promptfoo's `assertion.threshold ?? 5` (0 asks for the exact text); its handler never reads `not-`.
      const limit = a.threshold ?? 5;
      const d = levenshtein(text, textValue);
      return { ignoresNot: NOT_IGNORED_TYPES.has("levenshtein"), pass: d <= limit, expected: `be within ${limit} edits of ${q(textValue)}`, detail: `distance ${d}` };
    }
    case "rouge-n": {
      const limit = a.threshold ?? 0.75;
      const s = rouge1(text, textValue);
      return { pass: s >= limit, score: s, expected: `have ROUGE-N >= ${limit} against ${q(textValue)}`, detail: `ROUGE-N ${s.toFixed(2)}` };
    }
    case "bleu": {
      const limit = a.threshold ?? 0.5;
      const s = bleu(text, items);
      return { pass: s >= limit, score: s, expected: `have BLEU >= ${limit} against ${items.map(q).join(", ")}`, detail: `BLEU ${s.toFixed(4)}` };
    }
    default: {
      const expected = modelExpected(a);
      // Nothing to grade (no grader answer or embedding): an error, which `not-` must not turn into a pass (promptfoo's catch: pass false, score 0).
      if (!judged) return { pass: false, error: true, expected, detail: "not graded: no model result" };
      return { pass: judged.pass, score: judged.score, expected, detail: judged.reason };
    }
  }
}

function modelExpected(a: Assertion): string {
  const v = a.value;
  const t = v.kind === "text" ? v.text : v.kind === "list" ? v.items.map(q).join(" or ") : "";
  const by = a.provider ? ` (${a.type === "similar" ? "embeddings" : "grader"}: ${a.provider})` : "";
  switch (a.type as ExtraAssertionType) {
    case "similar":
      return `be similar to ${t} (cosine >= ${a.threshold ?? 0.75})${by}`;
    case "llm-rubric":
      return `satisfy the rubric ${q(t)}${by}`;
    case "model-graded-closedqa":
      return `meet the criterion ${q(t)}${by}`;
    case "factuality":
      return `agree with the facts of ${q(t)}${by}`;
    default:
      return `be relevant to the prompt (>= ${a.threshold ?? 0.7})${by}`;
  }
}
