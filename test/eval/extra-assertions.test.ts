import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateAssertion, validateTestFile } from "../../src/eval/index.js";
import { bleu, extractJsonObjects } from "../../src/eval/assertions/text-metrics.js";
import { closedQaVerdict, cosineSimilarity, factualityVerdict, relevanceVerdict, rubricVerdict, similarityVerdict } from "../../src/eval/assertions/verdicts.js";
import { assertionOf } from "./helpers.js";

const out = (text: string) => ({ text, finishReason: "stop" as const, latencyMs: 1, prompt: "p", vars: {} });
const run = (flow: string, text: string) => {
  const r = evaluateAssertion(assertionOf(flow), out(text));
  return [r.pass, Math.round(r.score * 1e6) / 1e6];
};

/**
 * What promptfoo's handlers give on fixed outputs (no model), written down from
 * their source, against ours. Sources, in promptfoo/promptfoo:
 * - contains-json: src/assertions/json.ts `handleContainsJson`, src/util/json.ts `extractJsonObjects` (js-yaml parse from each `{`)
 *   https://github.com/promptfoo/promptfoo/blob/main/src/assertions/json.ts
 * - levenshtein: src/assertions/levenshtein.ts: `distance(output, value) <= (threshold ?? 5)`, score 1/0 (older versions had `threshold || 5`)
 *   https://github.com/promptfoo/promptfoo/blob/main/src/assertions/levenshtein.ts
 * - rouge-n: src/assertions/rouge.ts: js-rouge `n(output, value, {})` >= (threshold ?? 0.75), score the F-measure
 *   https://github.com/promptfoo/promptfoo/blob/main/src/assertions/rouge.ts
 * - bleu: src/assertions/bleu.ts `calculateBleuScore`, threshold ?? 0.5
 *   https://github.com/promptfoo/promptfoo/blob/main/src/assertions/bleu.ts
 * A `not-` form passes when the positive fails and scores 1 - score (rouge.ts, bleu.ts: `score: inverse ? 1 - score : score`).
 */
describe("differential table: promptfoo's rule against ours, on fixed outputs", () => {
  const table: [string, string, [boolean, number], string][] = [
    ["{type: contains-json}", 'Here: {"a": 1} done', [true, 1], "an object in the text"],
    ["{type: contains-json}", "Here: {a: 1} done", [true, 1], "js-yaml reads a flow map too"],
    ["{type: contains-json}", "no object [1, 2]", [false, 0], "an array alone is not an object"],
    ["{type: not-contains-json}", "plain words", [true, 1], "negated"],
    ["{type: contains-json, value: {required: [b]}}", '{"a": 1} then {"b": 2}', [true, 1], "some object matches the schema"],
    ["{type: contains-json, value: {required: [b]}}", '{"a": 1}', [false, 0], "none does"],
    ["{type: levenshtein, value: sitting}", "kitten", [true, 1], "distance 3 <= default 5"],
    ["{type: levenshtein, value: sitting, threshold: 2}", "kitten", [false, 0], "3 > 2"],
    ["{type: levenshtein, value: sitting, threshold: 0}", "kitten", [false, 0], "`threshold ?? 5`: 0 asks for the exact text"],
    ["{type: rouge-n, value: the cat ran}", "the cat sat", [false, 0.666667], "P = R = 2/3 < 0.75"],
    ["{type: rouge-n, value: the cat ran, threshold: 0.6}", "the cat sat", [true, 0.666667], "2/3 >= 0.6"],
    ["{type: rouge-n, value: the cat}", "The cat", [false, 0.5], "js-rouge is case-sensitive by default"],
    ["{type: not-rouge-n, value: the cat ran}", "the cat sat", [true, 0.333333], "negated: 1 - score"],
    ["{type: bleu, value: the cat sat on the mat}", "The cat sat on the mat", [true, 1], "lowercased words, all n-grams match"],
    // promptfoo's brevity penalty is e^(1 - c/r) (the paper's is e^(1 - r/c)): e^(1 - 2/6) > 1 here.
    // p1 = p2 = 1; p3 = p4 = 0 (no trigram at all), smoothed to 1e-7: e^(2/3) * (1e-7)^(1/2)
    ["{type: bleu, value: the cat sat on the mat}", "the cat", [false, Math.round(Math.exp(2 / 3) * Math.sqrt(1e-7) * 1e6) / 1e6], "promptfoo's brevity penalty and smoothing"],
    ["{type: bleu, value: [a dog ran off, the cat sat on the mat]}", "the cat sat on the mat", [true, 1], "the best reference counts"],
  ];
  for (const [flow, text, want, why] of table) {
    it(`${flow} on ${JSON.stringify(text)}: ${why}`, () => assert.deepEqual(run(flow, text), want));
  }

  it("extractJsonObjects resumes after each object and skips what does not parse", () => {
    assert.deepEqual(extractJsonObjects('x {"a": {"b": 1}} y {bad z {"c": [1]}'), [{ a: { b: 1 } }, { c: [1] }]);
    assert.equal(bleu("", ["x"]), 0);
  });
});

/**
 * The grader's answer read as promptfoo's matchers read it (src/matchers.ts:
 * matchesLlmRubric, matchesClosedQa, matchesFactuality, matchesSimilarity,
 * matchesAnswerRelevance; https://github.com/promptfoo/promptfoo/blob/main/src/matchers.ts).
 */
describe("verdicts", () => {
  it("llm-rubric: the first JSON object; pass defaults true, strings like yes count, score defaults to the pass, a threshold must be reached", () => {
    assert.deepEqual(rubricVerdict('Sure. {"reason": "greets", "pass": true, "score": 1.0}', undefined), { pass: true, score: 1, reason: "greets" });
    assert.deepEqual(rubricVerdict('{"pass": "yes", "score": "0.8"}', undefined), { pass: true, score: 0.8, reason: "Grading passed" });
    assert.deepEqual(rubricVerdict('{"pass": "nope"}', undefined), { pass: false, score: 0, reason: "Score 0 below threshold undefined" });
    assert.deepEqual(rubricVerdict('{"score": 0.8}', 0.9), { pass: false, score: 0.8, reason: "Score 0.8 below threshold 0.9" });
    assert.deepEqual(rubricVerdict('{"reason": "fine"}', undefined), { pass: true, score: 1, reason: "fine" });
    assert.deepEqual(rubricVerdict("I think it passes", undefined), { pass: false, score: 0, reason: "Could not extract JSON from llm-rubric response" });
  });

  it("model-graded-closedqa: passes when the answer ends with Y", () => {
    assert.deepEqual(closedQaVerdict("It greets.\nY\nY\n"), { pass: true, score: 1, reason: "The submission meets the criterion:\nIt greets.\nY\nY\n" });
    assert.equal(closedQaVerdict("No.\nN").reason, "The submission does not meet the criterion:\nNo.\nN");
    assert.deepEqual(closedQaVerdict("Yes it does"), { pass: false, score: 0, reason: "Model grader produced a malformed response:\nYes it does" });
  });

  it("factuality: JSON category (A, B, C, E pass; D fails), else the legacy (X) form", () => {
    assert.deepEqual(factualityVerdict('{"category": "b", "reason": " more detail "}'), { pass: true, score: 1, reason: "more detail" });
    assert.deepEqual(factualityVerdict('{"category": "D"}'), { pass: false, score: 0, reason: "Category D: There is a disagreement between the submitted answer and the expert answer." });
    assert.deepEqual(factualityVerdict('{"category": "F"}'), { pass: false, score: 0, reason: "Invalid category value: F" });
    assert.deepEqual(factualityVerdict(" (e) Same facts, other words."), { pass: true, score: 1, reason: "Same facts, other words." });
    assert.deepEqual(factualityVerdict("c) agree"), { pass: true, score: 1, reason: "agree" });
    assert.equal(factualityVerdict("no idea").pass, false);
  });

  it("similar and answer-relevance: cosine similarity, the best value or the mean, against the threshold", () => {
    assert.equal(cosineSimilarity([1, 0], [0, 1]), 0);
    assert.equal(Math.round(cosineSimilarity([1, 1], [1, 0]) * 1e6) / 1e6, Math.round(Math.SQRT1_2 * 1e6) / 1e6);
    assert.equal(cosineSimilarity([], [1]), 0);
    assert.deepEqual(similarityVerdict([0.2, 0.75], 0.75), { pass: true, score: 0.75, reason: "Similarity 0.75 is greater than threshold 0.75" });
    assert.deepEqual(relevanceVerdict([1, 0.5, 0], 0.7), { pass: false, score: 0.5, reason: "Relevance 0.50 is less than threshold 0.7" });
  });
});

describe("a model-graded assertion with no model result", () => {
  it("fails scoring 0, negated or not: `not-` never turns a check that could not run into a pass", () => {
    for (const flow of ["{type: similar, value: x}", "{type: not-similar, value: x}", "{type: llm-rubric, value: polite, provider: fox}", "{type: not-llm-rubric, value: polite, provider: fox}", "{type: not-factuality, value: x, provider: fox}"]) {
      const r = evaluateAssertion(assertionOf(flow), out("anything"));
      assert.deepEqual([r.pass, r.score, r.detail], [false, 0, "not graded: no model result"], flow);
    }
  });
});

describe("validation of the new assertions", () => {
  const codes = (yaml: string) => validateTestFile(yaml, "t.yaml", { projectModels: ["fox", "judge"] }).diagnostics.map((d) => [d.code, d.range?.start.line, d.message]);
  it("value forms, threshold and provider where they apply; a grader from the file or the assertion", () => {
    assert.deepEqual(
      codes(`tests:
  - prompt: p
    assert:
      - {type: contains-json, threshold: 1}
      - {type: bleu, value: []}
      - {type: levenshtein}
      - {type: factuality, value: x}
      - {type: similar, value: x, provider: judg}
      - {type: perplexity, value: 2}
      - {type: not-perplexity-score, threshold: 0.4}
      - {type: perplexity-score, value: "", threshold: 0.4}
`),
      [
        ["MS6006", 4, "`threshold` applies to latency, javascript, levenshtein, rouge-n, bleu, similar, llm-rubric, answer-relevance, perplexity, perplexity-score assertions, not contains-json"],
        ["MS6006", 5, "bleu takes a text or a non-empty list of texts"],
        ["MS6006", 6, "levenshtein needs a `value`: the expected text"],
        ["MS6201", 7, "factuality needs a grader: a model of the project"],
        ["MS6202", 8, "similar: `judg` is not a model of the project"],
        // promptfoo reads no value for perplexity: one given is refused rather than silently ignored; `not-` is valid (it inverts the threshold's test, as promptfoo's handler on main).
        ["MS6006", 9, "perplexity takes `threshold`, not `value`"],
      ],
    );
    const r = validateTestFile("grader: judge\ntests:\n  - prompt: p\n    assert:\n      - {type: llm-rubric, value: polite}\n      - {type: llm-rubric, value: polite, provider: fox}\n      - {type: similar, value: hi}\n", "t.yaml", { projectModels: ["fox", "judge"] });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.suite!.cases[0]!.assert.map((a) => a.provider), ["judge", "fox", undefined]);
    assert.deepEqual(codes("grader: jduge\ntests:\n  - prompt: p\n    assert: [{type: contains, value: x}]\n"), [["MS6202", 1, "grader `jduge` is not a model of the project"]]);
  });
});
