import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grade, gradeCase, gradeRun, type AssertionResult, type CachedRun } from "../../src/eval/index.js";
import { casesOf } from "./helpers.js";

const r = (pass: boolean, weight = 1, score = pass ? 1 : 0): AssertionResult => ({ name: "contains", pass, score, weight, expected: "x" });
const run = (text: string, finishReason: CachedRun["finishReason"] = "stop"): CachedRun => ({ text, finishReason, promptTokens: 3, completionTokens: 4, latencyMs: 50 });

describe("gradeRun", () => {
  it("without a threshold, passes only when every weighted assertion passes", () => {
    assert.deepEqual(gradeRun([r(true), r(true)]), { pass: true, score: 1 });
    assert.deepEqual(gradeRun([r(true), r(false)]), { pass: false, score: 0.5 });
  });
  it("weighs scores: sum(weight * score) / sum(weight)", () => {
    assert.deepEqual(gradeRun([r(true, 3), r(false, 1)]), { pass: false, score: 0.75 });
    assert.deepEqual(gradeRun([r(true, 1, 0.5), r(true, 1, 0.25)]), { pass: true, score: 0.375 });
  });
  it("a weight-0 assertion is reported but never fails a run, nor counts in the score", () => {
    assert.deepEqual(gradeRun([r(true, 1), r(false, 0)]), { pass: true, score: 1 });
  });
  it("with only weight-0 assertions, the score is the plain mean", () => {
    assert.deepEqual(gradeRun([r(true, 0), r(false, 0)]), { pass: true, score: 0.5 });
  });
  it("with a threshold, the weighted score decides, whatever single assertions say", () => {
    assert.deepEqual(gradeRun([r(true, 3), r(false, 1)], 0.75), { pass: true, score: 0.75 });
    assert.deepEqual(gradeRun([r(true, 3), r(false, 1)], 0.76), { pass: false, score: 0.75 });
    assert.deepEqual(gradeRun([r(true, 1, 0.1), r(true, 1, 0.2)], 0.15), { pass: true, score: 0.15000000000000002 });
    assert.equal(gradeRun([r(true, 0.1), r(true, 0.2), r(false, 0.7)], 0.3).pass, true, "0.1 + 0.2 reaches 0.3");
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
        [true, 1, [true, true, false]],
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
