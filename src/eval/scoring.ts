import type { AssertionResult } from "./evaluate.js";

/**
 * promptfoo's scoring (src/assertions/assertionsResult.ts, AssertionsResult):
 *
 * - score = Σ weight·score / Σ weight, and 0 when the weights sum to 0 (also
 *   when there is nothing to score: a run with no assertions scores 1, as
 *   promptfoo's noAssertsResult);
 * - pass = no assertion failed (a weight-0 assertion is forced to pass, in
 *   runAssertion); with a `threshold`, score >= threshold decides instead,
 *   compared exactly (no epsilon: 0.1 + 0.2 is below 0.3);
 * - a metric's named score = Σ weight·score / Σ weight over the assertions that
 *   name it (0 when its weights sum to 0);
 * - an assert-set is scored the same way over its own assertions with its own
 *   threshold, and then counts as one assertion of the case, with its weight
 *   and metric.
 */
export interface Scored {
  pass: boolean;
  score: number;
  namedScores: Record<string, number>;
}

export interface ScoreItem {
  pass: boolean;
  score: number;
  weight: number;
  metric?: string;
  /** Named scores the item carries (an assert-set's), each with the weight it was summed over. */
  named?: Record<string, { score: number; weight: number }>;
}

interface Totals extends Scored {
  namedWeights: Record<string, number>;
}

export function scoreResults(items: readonly ScoreItem[], threshold?: number): Totals {
  if (items.length === 0) return { pass: true, score: 1, namedScores: {}, namedWeights: {} };
  let total = 0;
  let weights = 0;
  let failed = false;
  const named = new Map<string, { sum: number; weight: number }>();
  const add = (k: string, sum: number, weight: number) => {
    const m = named.get(k) ?? { sum: 0, weight: 0 };
    m.sum += sum;
    m.weight += weight;
    named.set(k, m);
  };
  for (const r of items) {
    total += r.score * r.weight;
    weights += r.weight;
    if (!r.pass && r.weight !== 0) failed = true;
    if (r.metric) add(r.metric, r.score * r.weight, r.weight);
    for (const [k, n] of Object.entries(r.named ?? {})) if (k !== r.metric) add(k, n.score * n.weight * r.weight, n.weight * r.weight);
  }
  const score = weights > 0 ? total / weights : 0;
  const pass = typeof threshold === "number" && !Number.isNaN(threshold) ? score >= threshold : !failed;
  return {
    pass,
    score,
    namedScores: Object.fromEntries([...named].map(([k, m]) => [k, m.weight > 0 ? m.sum / m.weight : 0])),
    namedWeights: Object.fromEntries([...named].map(([k, m]) => [k, m.weight])),
  };
}

export interface AssertSetInfo {
  weight: number;
  threshold?: number;
  metric?: string;
}

const item = (r: AssertionResult): ScoreItem => ({ pass: r.pass, score: r.score, weight: r.weight, ...(r.metric !== undefined ? { metric: r.metric } : {}) });

/**
 * Scores one run: each assertion result belongs to the case (`set` undefined)
 * or to an assert-set (its index in `sets`). Returns the run's grade and one
 * result per set, for reports.
 */
export function scoreRun(results: readonly AssertionResult[], sets: readonly AssertSetInfo[] = [], threshold?: number): Scored & { setResults: AssertionResult[] } {
  const items: ScoreItem[] = results.filter((r) => r.set === undefined).map(item);
  const setResults: AssertionResult[] = sets.map((s, i) => {
    const own = results.filter((r) => r.set === i);
    const g = scoreResults(own.map(item), s.threshold);
    const failing = own.filter((r) => !r.pass && r.weight !== 0).length;
    items.push({
      pass: s.weight === 0 ? true : g.pass,
      score: g.score,
      weight: s.weight,
      ...(s.metric !== undefined ? { metric: s.metric } : {}),
      named: Object.fromEntries(Object.entries(g.namedScores).map(([k, v]) => [k, { score: v, weight: g.namedWeights[k] ?? 1 }])),
    });
    return {
      name: "assert-set",
      pass: s.weight === 0 ? true : g.pass,
      score: g.score,
      weight: s.weight,
      expected: s.threshold !== undefined ? `score at least ${s.threshold} over ${own.length} assertions` : `pass all ${own.length} assertions`,
      detail: `score ${round(g.score)}${failing ? `, ${failing} failed` : ""}`,
      setIndex: i,
      ...(s.metric !== undefined ? { metric: s.metric } : {}),
    };
  });
  const g = scoreResults(items, threshold);
  return { pass: g.pass, score: g.score, namedScores: g.namedScores, setResults };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Per-metric totals over cases, as promptfoo's report sums named scores per prompt: the sum and how many cases had the metric. */
export function metricTotals(perCase: readonly Record<string, number>[]): Record<string, { sum: number; count: number }> {
  const out: Record<string, { sum: number; count: number }> = {};
  for (const named of perCase) {
    for (const [k, v] of Object.entries(named)) {
      const m = (out[k] ??= { sum: 0, count: 0 });
      m.sum += v;
      m.count += 1;
    }
  }
  return out;
}
