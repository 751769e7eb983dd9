import type { Judged } from "./extra.js";
import { extractJsonObjects } from "./text-metrics.js";

/**
 * How promptfoo reads a grader's answer (src/matchers.ts in promptfoo/promptfoo),
 * each a pure function of the answer text.
 */

/**
 * llm-rubric (`matchesLlmRubric`): the first JSON object in the answer; `pass`
 * defaults to true, a non-boolean pass is true when it reads true/yes/pass/y;
 * `score` defaults to the pass as 0/1; with a threshold the verdict passes only
 * when the score reaches it too; reason defaults to "Grading passed" or
 * "Score S below threshold T".
 */
export function rubricVerdict(answer: string, threshold: number | undefined): Judged {
  const objects = extractJsonObjects(answer);
  if (objects.length === 0) return { pass: false, score: 0, reason: "Could not extract JSON from llm-rubric response" };
  const parsed = objects[0] as { pass?: unknown; score?: unknown; reason?: unknown };
  let pass = parsed.pass ?? true;
  if (typeof pass !== "boolean") pass = /^(true|yes|pass|y)$/i.test(String(pass));
  let score = parsed.score;
  if (typeof score !== "number") score = Number.isFinite(Number(score)) && score !== undefined && score !== null ? Number(score) : Number(pass);
  if (threshold !== undefined) pass = (pass as boolean) && (score as number) >= threshold;
  const reason = typeof parsed.reason === "string" && parsed.reason !== "" ? parsed.reason : pass ? "Grading passed" : `Score ${score as number} below threshold ${threshold}`;
  return { pass: pass as boolean, score: score as number, reason };
}

/** model-graded-closedqa (`matchesClosedQa`): passes when the answer, trailing whitespace removed, ends with Y. */
export function closedQaVerdict(answer: string): Judged {
  const end = answer.trimEnd();
  const pass = end.endsWith("Y");
  const reason = pass ? `The submission meets the criterion:\n${answer}` : end.endsWith("N") ? `The submission does not meet the criterion:\n${answer}` : `Model grader produced a malformed response:\n${answer}`;
  return { pass, score: pass ? 1 : 0, reason };
}

const CATEGORY: Record<string, string> = {
  A: "The submitted answer is a subset of the expert answer and is fully consistent with it.",
  B: "The submitted answer is a superset of the expert answer and is fully consistent with it.",
  C: "The submitted answer contains all the same details as the expert answer.",
  D: "There is a disagreement between the submitted answer and the expert answer.",
  E: "The answers differ, but these differences don't matter from the perspective of factuality.",
};

/**
 * factuality (`matchesFactuality`, default scores): a JSON `category` A-E, else
 * the legacy "(A) ..." form; A, B, C and E pass with score 1, D fails with 0.
 */
export function factualityVerdict(answer: string): Judged {
  const json = extractJsonObjects(answer)[0] as { category?: unknown; reason?: unknown } | undefined;
  if (json && typeof json.category === "string" && json.category !== "") {
    const option = json.category.trim().toUpperCase();
    if (!/^[A-E]$/.test(option)) return { pass: false, score: 0, reason: `Invalid category value: ${option}` };
    const pass = option !== "D";
    const reason = typeof json.reason === "string" && json.reason.trim() !== "" ? json.reason.trim() : `Category ${option}: ${CATEGORY[option]}`;
    return { pass, score: pass ? 1 : 0, reason };
  }
  const m = answer.match(/\s*\(?([a-eA-E])\)/);
  if (!m) return { pass: false, score: 0, reason: `Factuality checker output did not match expected format: ${answer}` };
  const option = m[1]!.toUpperCase();
  const rest = answer.match(/\)\s*(.*)/s);
  const pass = option !== "D";
  return { pass, score: pass ? 1 : 0, reason: rest?.[1] ? rest[1].trim() : answer };
}

/** Cosine similarity (promptfoo's `cosineSimilarity`); 0 when a vector is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0; // an empty text has no embedding
  if (a.length !== b.length) throw new Error(`embeddings of different lengths (${a.length} and ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** `similar` (`matchesSimilarity` / handleSimilar): the best similarity over the values; passes when it reaches the threshold (less Number.EPSILON). */
export function similarityVerdict(similarities: readonly number[], threshold: number): Judged {
  const best = Math.max(...similarities);
  const pass = best >= threshold - Number.EPSILON;
  return { pass, score: best, reason: `Similarity ${best.toFixed(2)} is ${pass ? "greater than" : "less than"} threshold ${threshold}` };
}

/** answer-relevance (`matchesAnswerRelevance`): the mean similarity of the prompt to the generated questions. */
export function relevanceVerdict(similarities: readonly number[], threshold: number): Judged {
  const mean = similarities.reduce((s, x) => s + x, 0) / similarities.length;
  const pass = mean >= threshold - Number.EPSILON;
  return { pass, score: mean, reason: `Relevance ${mean.toFixed(2)} is ${pass ? "greater than" : "less than"} threshold ${threshold}` };
}
