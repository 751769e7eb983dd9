import type { CaseResult } from "../runner.js";
import { metricTotals } from "../scoring.js";

export interface Summary {
  cases: number;
  passed: number;
  failed: number;
  errors: number;
  cached: number;
  /** promptfoo's named scores summed per metric over the cases that have it (only when an assertion names a metric). */
  metrics?: Record<string, { sum: number; count: number }>;
  /** Grader answers over all cases (only when a case has a model-graded assertion): from the cache, or given by a grader in this run. */
  graderAnswers?: { cached: number; asked: number };
}

export function summarize(results: readonly CaseResult[]): Summary {
  const count = (f: (r: CaseResult) => boolean) => results.filter(f).length;
  return {
    cases: results.length,
    passed: count((r) => r.status === "pass"),
    failed: count((r) => r.status === "fail"),
    errors: count((r) => r.status === "error"),
    cached: count((r) => r.cached),
    ...metricsOf(results),
    ...graderAnswersOf(results),
  };
}

function graderAnswersOf(results: readonly CaseResult[]): { graderAnswers?: { cached: number; asked: number } } {
  const with_ = results.filter((r) => r.graderAnswers);
  if (with_.length === 0) return {};
  return { graderAnswers: { cached: with_.reduce((s, r) => s + r.graderAnswers!.cached, 0), asked: with_.reduce((s, r) => s + r.graderAnswers!.asked, 0) } };
}

function metricsOf(results: readonly CaseResult[]): { metrics?: Record<string, { sum: number; count: number }> } {
  const m = metricTotals(results.filter((r) => r.namedScores).map((r) => r.namedScores!));
  return Object.keys(m).length ? { metrics: m } : {};
}

/** "metrics: accuracy 2.50/3, tone 1.00/2": each metric's summed score over the number of cases that have it. */
export function metricsLine(s: Summary): string | undefined {
  if (!s.metrics) return undefined;
  return `metrics: ${Object.entries(s.metrics)
    .map(([k, m]) => `${k} ${round(m.sum)}/${m.count}`)
    .join(", ")}`;
}

const round = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

/** Results grouped by model, in first-seen order. */
export function byModel(results: readonly CaseResult[]): [string, CaseResult[]][] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const g = groups.get(r.model);
    if (g) g.push(r);
    else groups.set(r.model, [r]);
  }
  return [...groups];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "3 cases: 2 passed, 1 failed, 0 errors (1 cached)", then "; grader answers: 4 cached, 0 asked" when a case was graded by a model. */
export function summaryLine(s: Summary): string {
  const graded = s.graderAnswers ? `; grader answers: ${s.graderAnswers.cached} cached, ${s.graderAnswers.asked} asked` : "";
  return `${plural(s.cases, "case")}: ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, "error")}${s.cached ? ` (${s.cached} cached)` : ""}${graded}`;
}
