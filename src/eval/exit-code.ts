import { summarize } from "./reporters/summary.js";
import type { CaseResult } from "./runner.js";

/** The exit code of a test run: 3 when a case could not run, else 1 when one failed, else 0. */
export function exitCodeOf(results: readonly CaseResult[]): number {
  const s = summarize(results);
  return s.errors ? 3 : s.failed ? 1 : 0;
}
