import { error } from "../../diagnostics/diagnostic.js";
import type { Assertion } from "../test-file.js";

/**
 * `perplexity` and `perplexity-score`, as promptfoo's handlers
 * (src/assertions/perplexity.ts in promptfoo/promptfoo) grade them, from the
 * log-probabilities of the tokens the model generated (the runtime's
 * `logprobs`, see src/runtime/token-logprobs.ts):
 *
 * - perplexity = exp(-mean log-probability);
 * - `perplexity` passes when perplexity <= threshold and scores 1 or 0 by its pass;
 * - `perplexity-score` scores 1 / (1 + perplexity) and passes when that is >= threshold;
 * - no threshold (promptfoo tests `assertion.threshold === undefined`): passes, `not-` or not;
 * - `not-` inverts the threshold's test (`(perplexity <= threshold) !== inverse`), and
 *   `not-perplexity-score` scores 1 - the score, as promptfoo's handlers on main do
 *   (https://github.com/promptfoo/promptfoo/blob/main/src/assertions/perplexity.ts; the
 *   handlers before, e.g. e5c8e0173bbabc7387304784fefaa1ba9ccea088, ignored `inverse`);
 * - no log-probabilities, or none because nothing was generated: the case is an
 *   error (promptfoo's handler throws), MS6300.
 */
export const LOGPROB_TYPES: ReadonlySet<string> = new Set(["perplexity", "perplexity-score"]);

/** exp(-mean) of natural-log probabilities; NaN for none. */
export function perplexityOf(logprobs: readonly number[]): number {
  const sum = logprobs.reduce((s, x) => s + x, 0);
  return Math.exp(-sum / logprobs.length);
}

export interface LogprobGrade {
  pass: boolean;
  score: number;
  expected: string;
  detail: string;
}

/** Grades a perplexity type on an output's log-probabilities; throws MS6300 (the case errors) when there are none. */
export function gradeLogprobs(a: Assertion, logprobs: readonly number[] | undefined): LogprobGrade {
  if (!logprobs || logprobs.length === 0) {
    const why = logprobs ? "the model generated no token" : "the runtime gave no token log-probabilities for this output";
    const d = error("MS6300", `${a.name} cannot be graded: ${why}`);
    throw new Error(`${d.code}: ${d.message}`);
  }
  const perplexity = perplexityOf(logprobs);
  const t = a.threshold;
  const inverse = a.negate;
  if (a.type === "perplexity") {
    const pass = t === undefined ? true : perplexity <= t !== inverse;
    const expected = t === undefined ? "have a perplexity" : `have a perplexity ${inverse ? ">" : "<="} ${t}`;
    return { pass, score: pass ? 1 : 0, expected, detail: `perplexity ${perplexity.toFixed(4)} over ${logprobs.length} token${logprobs.length === 1 ? "" : "s"}` };
  }
  const norm = 1 / (1 + perplexity);
  const pass = t === undefined ? true : norm >= t !== inverse;
  const expected = t === undefined ? "have a perplexity score" : `have a perplexity score ${inverse ? "<" : ">="} ${t}`;
  return { pass, score: inverse ? 1 - norm : norm, expected, detail: `perplexity score ${norm.toFixed(4)} (perplexity ${perplexity.toFixed(4)} over ${logprobs.length} token${logprobs.length === 1 ? "" : "s"})` };
}
