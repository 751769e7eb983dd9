import { canonicalJSON } from "../lock/canonical-json.js";
import { compileSchema } from "./json-schema.js";
import { runJavascript, runTransform } from "./javascript.js";
import type { Assertion } from "./test-file.js";
import { extraPositive, type Judged } from "./assertions/extra.js";
import { gradeLogprobs } from "./assertions/perplexity.js";

/** What an assertion looks at: one generation and what produced it. */
export interface Output {
  text: string;
  finishReason: "stop" | "length" | "abort";
  latencyMs: number;
  prompt: string;
  vars: Record<string, string>;
  /** The natural-log probability of each generated token, when the runtime was asked for them (perplexity, perplexity-score). */
  logprobs?: readonly number[];
  /** What models said for this output's model-graded assertions (graders.ts). */
  judged?: ReadonlyMap<Assertion, Judged>;
}

export interface AssertionResult {
  /** The type as written, e.g. `not-contains`. */
  name: string;
  pass: boolean;
  /** 0..1; a negated assertion scores 1 - the score of its positive form. */
  score: number;
  weight: number;
  /** What the output should do, e.g. `not contain "error"`, `match /^def /`. */
  expected: string;
  /** What it did, where that says more than the output itself (missing items, the word count, a schema error). */
  detail?: string;
  /** promptfoo's `metric`: the name the score counts under. */
  metric?: string;
  /** The assert-set this assertion belongs to (its index in the case's assertSets). */
  set?: number;
  /** On an assert-set's own result: its index. */
  setIndex?: number;
}

const q = (s: string) => JSON.stringify(s);

/**
 * Grades one output against one assertion, as promptfoo's runAssertion does.
 * Pure except for javascript, which runs in a vm context with a timeout. Text
 * comparisons are exact (no trimming) except is-json and equals with a JSON
 * value, which parse the trimmed output; word-count counts runs of
 * non-whitespace.
 *
 * Scores: an assertion that passes or fails scores 1 or 0 after `not-` (the
 * negated pass); one that gives a score of its own (javascript's number or
 * grading object) keeps that score as it is, negated or not, unclamped. A
 * weight-0 assertion always passes (promptfoo: "metric-only"). An assertion's
 * own `transform` runs on the output first.
 */
export function evaluateAssertion(a: Assertion, out: Output): AssertionResult {
  const extra = { ...(a.metric !== undefined ? { metric: a.metric } : {}), ...(a.set !== undefined ? { set: a.set } : {}) };
  let text = out.text;
  if (a.transform) {
    const t = runTransform(a.transform.code, text, { prompt: out.prompt, vars: out.vars }, a.transform.fn);
    if (!t.ok) return { name: a.name, pass: a.weight === 0, score: 0, weight: a.weight, expected: "(transform)", detail: t.message, ...extra };
    text = t.text;
  }
  const r = positive(a, text === out.text ? out : { ...out, text });
  // `not-` inverts here, unless the type's handler applied it itself (appliesNot) or promptfoo's ignores it (NOT_IGNORED_TYPES).
  const negate = a.negate && !r.ignoresNot && !r.appliesNot;
  const pass = r.error ? false : negate ? !r.pass : r.pass;
  const score = r.error ? 0 : r.score !== undefined ? r.score : pass ? 1 : 0;
  return {
    name: a.name,
    pass: a.weight === 0 ? true : pass,
    score,
    weight: a.weight,
    expected: negate ? `not ${r.expected}` : r.expected,
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
    ...extra,
  };
}

interface Positive {
  pass: boolean;
  /** A score of the assertion's own (kept as it is, negated or not); absent: 1 or 0 by the final pass. */
  score?: number;
  /** The assertion could not run: it fails, negated or not, scoring 0. */
  error?: boolean;
  /** `not-` leaves pass and score as they are: promptfoo's handler does not read `inverse` (NOT_IGNORED_TYPES). */
  ignoresNot?: boolean;
  /** `not-` is already in pass, score and expected: the handler applied it (perplexity's, which inverts only a threshold's test). */
  appliesNot?: boolean;
  expected: string;
  detail?: string;
}

function positive(a: Assertion, out: Output): Positive {
  const v = a.value;
  const text = out.text;
  switch (a.type) {
    case "equals": {
      if (v.kind === "json") {
        const parsed = parseJson(text);
        return { pass: parsed.ok && canonicalJSON(parsed.value) === canonicalJSON(v.json), expected: `equal the JSON ${canonicalJSON(v.json)}`, ...(parsed.ok ? {} : { detail: "the output is not JSON" }) };
      }
      const want = v.kind === "text" ? v.text : "";
      return { pass: text === want, expected: `equal ${q(want)}` };
    }
    case "contains":
    case "icontains": {
      const want = v.kind === "text" ? v.text : "";
      const fold = a.type === "icontains";
      return { pass: (fold ? text.toLowerCase() : text).includes(fold ? want.toLowerCase() : want), expected: `${a.type === "contains" ? "contain" : "contain (any case)"} ${q(want)}` };
    }
    case "contains-any":
    case "icontains-any":
    case "contains-all":
    case "icontains-all": {
      const items = v.kind === "list" ? v.items : [];
      const fold = a.type.startsWith("i");
      const hay = fold ? text.toLowerCase() : text;
      const found = items.filter((s) => hay.includes(fold ? s.toLowerCase() : s));
      const all = a.type.endsWith("all");
      const missing = items.filter((s) => !found.includes(s));
      const what = `${all ? "all" : "any"} of ${items.map(q).join(", ")}${fold ? " (any case)" : ""}`;
      return all
        ? { pass: missing.length === 0, expected: `contain ${what}`, detail: missing.length ? `missing ${missing.map(q).join(", ")}` : "all present" }
        : { pass: found.length > 0, expected: `contain ${what}`, detail: found.length ? `found ${found.map(q).join(", ")}` : "none present" };
    }
    case "starts-with": {
      const want = v.kind === "text" ? v.text : "";
      return { pass: text.startsWith(want), expected: `start with ${q(want)}` };
    }
    case "regex": {
      const pattern = v.kind === "text" ? v.text : "";
      return { pass: new RegExp(pattern, a.flags ?? "").test(text), expected: `match /${pattern}/${a.flags ?? ""}` };
    }
    case "is-json":
      return isJson(a, text);
    case "word-count": {
      const words = text.split(/\s+/).filter((w) => w !== "").length;
      const { min, max } = v.kind === "range" ? v : {};
      const pass = (min === undefined || words >= min) && (max === undefined || words <= max);
      const want = min === max ? `${min}` : min === undefined ? `at most ${max}` : max === undefined ? `at least ${min}` : `${min} to ${max}`;
      return { pass, expected: `have ${want} words`, detail: `${words} word${words === 1 ? "" : "s"}` };
    }
    case "finish-reason": {
      const want = v.kind === "text" ? v.text : "";
      return { pass: out.finishReason === want, expected: `finish with ${q(want)}`, detail: `finished with ${q(out.finishReason)}` };
    }
    case "latency": {
      // promptfoo's handleLatency: without a threshold (then `metric` is set, checkAssertion sees to it) it passes scoring the milliseconds.
      if (a.threshold === undefined) return { pass: true, score: out.latencyMs, expected: "record the latency", detail: `took ${Math.round(out.latencyMs)} ms` };
      const limit = a.threshold;
      return { pass: out.latencyMs <= limit, expected: `take at most ${limit} ms`, detail: `took ${Math.round(out.latencyMs)} ms` };
    }
    case "javascript": {
      const code = v.kind === "code" ? v.code : "false";
      const expected = `satisfy ${code.trim().split("\n").length > 1 ? "the javascript" : code.trim()}`;
      const r = runJavascript(code, text, { prompt: out.prompt, vars: out.vars }, undefined, v.kind === "code" ? v.fn : undefined);
      switch (r.kind) {
        case "bool":
          return { pass: r.pass, expected };
        case "score":
          // promptfoo (scriptResultNormalization.ts): pass = threshold ? score >= threshold : score > 0; the score stays as returned.
          return { pass: a.threshold !== undefined ? r.score >= a.threshold : r.score > 0, score: r.score, expected: a.threshold !== undefined ? `${expected} with a score >= ${a.threshold}` : expected, detail: `score ${r.score}` };
        case "graded":
          return { pass: r.pass, score: r.score, expected, ...(r.reason !== "" ? { detail: r.reason } : {}) };
        case "error":
          // An assertion that cannot run fails either way, negated or not (promptfoo's catch: pass false, score 0).
          return { pass: false, error: true, expected, detail: `javascript ${r.message}` };
      }
    }
    case "perplexity":
    case "perplexity-score":
      // Throws MS6300 without log-probabilities: the case is an error, as promptfoo's handler throws.
      return { ...gradeLogprobs(a, out.logprobs), appliesNot: true };
    default: {
      // The metrics and model-graded types score in [0, 1] and, as promptfoo's handlers (inverse ? 1 - score : score), a `not-` one scores 1 - that.
      const r = extraPositive(a, text, out.judged?.get(a));
      if (r.score === undefined) return r;
      const s = Math.min(1, Math.max(0, r.score));
      return { ...r, score: a.negate ? 1 - s : s };
    }
  }
}

function isJson(a: Assertion, text: string): Positive {
  const parsed = parseJson(text);
  const schema = a.value.kind === "schema" ? a.value.schema : a.value.kind === "schema-file" ? a.value.schema : undefined;
  const expected = schema ? "be JSON that matches the schema" : "be JSON";
  if (!parsed.ok) return { pass: false, expected, detail: "the output is not JSON" };
  if (!schema) return { pass: true, expected };
  const validate = compileSchema(schema);
  if (validate(parsed.value)) return { pass: true, expected };
  const first = validate.errors?.[0];
  return { pass: false, expected, detail: `schema: ${first ? `${first.instancePath || "(root)"} ${first.message ?? "is invalid"}` : "rejected"}` };
}

/** The trimmed output parsed as JSON. V8's parse messages differ between Node versions, so reports do not quote them. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.trim()) as unknown };
  } catch {
    return { ok: false };
  }
}
