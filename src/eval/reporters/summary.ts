import type { CaseResult } from "../runner.js";

export interface Summary {
  cases: number;
  passed: number;
  failed: number;
  errors: number;
  cached: number;
}

export function summarize(results: readonly CaseResult[]): Summary {
  const count = (f: (r: CaseResult) => boolean) => results.filter(f).length;
  return {
    cases: results.length,
    passed: count((r) => r.status === "pass"),
    failed: count((r) => r.status === "fail"),
    errors: count((r) => r.status === "error"),
    cached: count((r) => r.cached),
  };
}

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

/** "3 cases: 2 passed, 1 failed, 0 errors (1 cached)". */
export function summaryLine(s: Summary): string {
  return `${plural(s.cases, "case")}: ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, "error")}${s.cached ? ` (${s.cached} cached)` : ""}`;
}
