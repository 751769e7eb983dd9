import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grade, gradeCase, gradeRun, type AssertionResult, type CachedRun } from "../../src/eval/index.js";
import { casesOf } from "./helpers.js";

const r = (pass: boolean, weight = 1, score = pass ? 1 : 0): AssertionResult => ({ name: "contains", pass, score, weight, expected: "x" });
const run = (text: string, finishReason: CachedRun["finishReason"] = "stop"): CachedRun => ({ text, finishReason, promptTokens: 3, completionTokens: 4, latencyMs: 50 });

/** gradeRun without its per-set results (none here). */
const g = (...args: Parameters<typeof gradeRun>) => {
  const { setResults, ...rest } = gradeRun(...args);
  assert.deepEqual(setResults, []);
  return rest;
};

// promptfoo's rules: https://github.com/promptfoo/promptfoo/blob/0279b12d600a6dd9cce733ba1b0b06fb22e06d69/src/assertions/assertionsResult.ts (testResult)
describe("gradeRun", () => {
  it("without a threshold, passes only when every weighted assertion passes", () => {
    assert.deepEqual(g([r(true), r(true)]), { pass: true, score: 1 });
    assert.deepEqual(g([r(true), r(false)]), { pass: false, score: 0.5 });
  });
  it("weighs scores: sum(weight * score) / sum(weight)", () => {
    assert.deepEqual(g([r(true, 3), r(false, 1)]), { pass: false, score: 0.75 });
    assert.deepEqual(g([r(true, 1, 0.5), r(true, 1, 0.25)]), { pass: true, score: 0.375 });
  });
  it("a weight-0 assertion is reported but never fails a run, nor counts in the score", () => {
    assert.deepEqual(g([r(true, 1), r(false, 0)]), { pass: true, score: 1 });
  });
  it("with only weight-0 assertions, the score is 0 (promptfoo: totalWeight 0 scores 0), and the run passes", () => {
    assert.deepEqual(g([r(true, 0), r(false, 0)]), { pass: true, score: 0 });
  });
  it("with no assertions at all, the run passes with score 1 (promptfoo's noAssertsResult)", () => {
    assert.deepEqual(g([]), { pass: true, score: 1 });
  });
  it("with a threshold, the weighted score decides, whatever single assertions say", () => {
    assert.deepEqual(g([r(true, 3), r(false, 1)], 0.75), { pass: true, score: 0.75 });
    assert.deepEqual(g([r(true, 3), r(false, 1)], 0.76), { pass: false, score: 0.75 });
    assert.deepEqual(g([r(true, 1, 0.1), r(true, 1, 0.2)], 0.15), { pass: true, score: 0.15000000000000002 });
  });
  it("compares with the threshold exactly, without epsilon: weights 0.3 passing and 0.1 failing score 0.7499999999999999 < 0.75", () => {
    const run = g([r(true, 0.3), r(false, 0.1)], 0.75);
    assert.equal(run.score, 0.3 / 0.4);
    assert.equal(run.pass, false);
  });
  it("named scores: per metric, the weighted mean of the assertions that name it", () => {
    const m = (pass: boolean, weight: number, metric: string, score = pass ? 1 : 0): AssertionResult => ({ ...r(pass, weight, score), metric });
    assert.deepEqual(g([m(true, 1, "tone"), m(false, 3, "tone"), m(true, 2, "facts"), r(true)]), { pass: false, score: 4 / 7, namedScores: { tone: 0.25, facts: 1 } });
  });
});

describe("gradeCase", () => {
  it("passes when the fraction of passing runs reaches passRate", () => {
    const runs = [{ pass: true, score: 1 }, { pass: false, score: 0.5 }, { pass: true, score: 1 }];
    assert.deepEqual(gradeCase(runs), { pass: false, passRate: 2 / 3, score: 2.5 / 3 });
    assert.deepEqual(gradeCase(runs, 0.66), { pass: true, passRate: 2 / 3, score: 2.5 / 3 });
    assert.equal(gradeCase(runs, 2 / 3).pass, true);
    assert.equal(gradeCase(runs, 0.67).pass, false);
    assert.equal(gradeCase([{ pass: false, score: 0 }], 0).pass, true, "passRate 0 accepts any run");
  });
});

describe("grade (a case's runs against its assertions)", () => {
  const [c] = casesOf(`
tests:
  - prompt: The quick brown
    repeat: 4
    passRate: 0.75
    threshold: 0.6
    assert:
      - {type: contains, value: fox, weight: 3}
      - {type: finish-reason, value: stop, weight: 1}
      - {type: word-count, value: {max: 3}, weight: 0}
`);
  it("grades each run with weights and threshold, then the case by pass rate", () => {
    const g = grade("fox:latest", c!, [run("fox jumps over the"), run("fox", "length"), run("dog", "stop"), run("a fox")], true, 0);
    assert.deepEqual(
      g.runs.map((x) => [x.pass, x.score, x.assertions.map((a) => a.pass)]),
      [
        // The weight-0 word-count fails its check but is reported passing, as promptfoo forces it (runAssertion).
        [true, 1, [true, true, true]],
        [true, 0.75, [true, false, true]],
        [false, 0.25, [false, true, true]],
        [true, 1, [true, true, true]],
      ],
    );
    assert.deepEqual([g.status, g.passRate, g.score, g.cached, g.model], ["pass", 0.75, 0.75, true, "fox:latest"]);
  });
  it("fails when fewer runs pass than passRate asks", () => {
    const g = grade("fox:latest", c!, [run("dog"), run("dog"), run("fox"), run("fox")], false, 12);
    assert.deepEqual([g.status, g.passRate, g.durationMs], ["fail", 0.5, 12]);
  });
});
