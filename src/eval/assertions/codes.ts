import { defineCodes } from "../../diagnostics/registry.js";

/** Diagnostic codes of model-graded and metric assertions and the HTML report (MS62xx). */
export const GRADING_CODES = defineCodes({
  MS6201: {
    title: "model-graded assertion without a grader",
    example: "tests:\n  - prompt: Say hi\n    assert:\n      - {type: llm-rubric, value: is a greeting}   # no grader: anywhere",
    fix: "Name a project model as the grader: `grader: NAME` at the top of the test file, `options: {provider: NAME}` under defaultTest or a case (as promptfoo), or `provider: NAME` on the assertion. modelsmith has no default grader (promptfoo's is a hosted model).",
  },
  MS6202: {
    title: "grader or embedding model not in the project",
    example: "grader: jduge\ntests: [...]",
    fix: "Name a model that modelsmith.yaml lists under `models:` (the hint names the closest one); it is built and loaded like any project model. An `options.provider` is a project model's name too: promptfoo's provider ids and provider maps are not supported.",
  },
  MS6203: {
    title: "`provider` on an assertion that uses no model",
    example: "assert:\n  - {type: contains, value: hi, provider: judge}",
    fix: "`provider` names the grader of llm-rubric, model-graded-closedqa, factuality and answer-relevance, or the embedding model of similar; remove it from other assertions.",
  },
  MS6204: {
    title: "--reporter html needs -o",
    example: "modelsmith test --reporter html",
    fix: "Write the page to a file: `modelsmith test --reporter html -o report.html`.",
  },
});
