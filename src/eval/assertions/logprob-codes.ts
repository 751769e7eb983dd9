import { defineCodes } from "../../diagnostics/registry.js";

/** Diagnostic codes of the assertions graded from token log-probabilities, and of cached grader answers (MS6300-MS6319). */
export const LOGPROB_CODES = defineCodes({
  MS6300: {
    title: "perplexity without token log-probabilities",
    example: "tests:\n  - prompt: Say nothing\n    assert:\n      - {type: perplexity, threshold: 2}   # the model answered with EOS at once",
    fix: "perplexity and perplexity-score read the log-probability of each generated token; an output of no tokens has none, so the case is an error (as promptfoo's handler throws). Make the prompt produce an answer, or drop the assertion for that case.",
  },
});
