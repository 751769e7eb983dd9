import type { AssertionResult } from "./evaluate.js";
import { scoreRun, type AssertSetInfo } from "./scoring.js";

/** Slack for comparing a fraction of runs with `passRate` (modelsmith's own; promptfoo has no passRate). */
const EPSILON = 1e-9;

export interface RunGrade {
  pass: boolean;
  /** Weighted mean of the assertions' scores (0..1 unless a javascript assertion returns a score outside it). */
  score: number;
  /** promptfoo's named scores: per `metric`, the weighted mean of the scores of the assertions that name it. */
  namedScores?: Record<string, number>;
}

/**
 * Grades one run of a case from its assertion results, exactly as promptfoo
 * (scoring.ts): score = Σ weight·score / Σ weight (0 when the weights sum to
 * 0; 1 with no results); pass: with a `threshold`, score >= threshold (no
 * epsilon), else no assertion of weight > 0 failed. Assert-sets (`sets`) are
 * graded first and count as one assertion each.
 */
export function gradeRun(results: readonly AssertionResult[], threshold?: number, sets: readonly AssertSetInfo[] = []): RunGrade & { setResults: AssertionResult[] } {
  const g = scoreRun(results, sets, threshold);
  return { pass: g.pass, score: g.score, ...(Object.keys(g.namedScores).length ? { namedScores: g.namedScores } : {}), setResults: g.setResults };
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
