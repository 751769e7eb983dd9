import type { AssertionResult } from "./evaluate.js";

/** Slack for comparing sums of floats with a threshold (0.1 + 0.2 >= 0.3). */
const EPSILON = 1e-9;

export interface RunGrade {
  pass: boolean;
  /** Weighted mean of the assertions' scores, 0..1. */
  score: number;
}

/**
 * Grades one run of a case from its assertion results.
 *
 * score: the weighted mean Σ weight·score / Σ weight; when every weight is 0,
 * the plain mean (1 when there are no results).
 * pass: with a `threshold`, score >= threshold, whatever single assertions say
 * (promptfoo's rule); without one, every assertion of weight > 0 passes
 * (weight 0 is reported, never fails).
 */
export function gradeRun(results: readonly AssertionResult[], threshold?: number): RunGrade {
  const total = results.reduce((s, r) => s + r.weight, 0);
  const score =
    results.length === 0 ? 1 : total > 0 ? results.reduce((s, r) => s + r.weight * r.score, 0) / total : results.reduce((s, r) => s + r.score, 0) / results.length;
  const pass = threshold !== undefined ? score + EPSILON >= threshold : results.every((r) => r.weight === 0 || r.pass);
  return { pass, score };
}

export interface CaseGrade {
  pass: boolean;
  /** Runs that passed / runs. */
  passRate: number;
  /** Mean score over runs. */
  score: number;
}

/** A case passes when the fraction of its runs that pass reaches `passRate` (default 1: every run). */
export function gradeCase(runs: readonly RunGrade[], passRate = 1): CaseGrade {
  const passed = runs.filter((r) => r.pass).length;
  const rate = runs.length ? passed / runs.length : 0;
  return { pass: runs.length > 0 && rate + EPSILON >= passRate, passRate: rate, score: runs.length ? runs.reduce((s, r) => s + r.score, 0) / runs.length : 0 };
}
