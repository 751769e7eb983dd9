import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateAssertion, gradeRun, validateTestFile, type AssertionResult, type Output } from "../../src/eval/index.js";
import { assertionFromString, parseCsvCases } from "../../src/eval/csv-cases.js";
import { varCombinations } from "../../src/eval/templating.js";

/**
 * The differential table: for each assertion type and value form, the result
 * promptfoo's rule gives (written down from its source, linked per group) on a
 * fixed output, against ours. "refused" is where promptfoo's handler throws an
 * invariant (every output fails with an error): we refuse the file instead, at
 * the value. No model: the outputs are given.
 */

const PF = "https://github.com/promptfoo/promptfoo/blob";
const out = (text: string, more: Partial<Output> = {}): Output => ({ text, finishReason: "stop", latencyMs: 10, prompt: "p", vars: {}, ...more });

/** [assertion as a YAML flow map, vars as a YAML flow map, output, promptfoo's pass and score, "refused", or "throws" (promptfoo's handler throws: the case errors)] */
type Row = [string, string, Output, { pass: boolean; score: number } | "refused" | "throws"];
const P = (score = 1) => ({ pass: true, score });
const F = (score = 0) => ({ pass: false, score });

const GROUPS: { source: string; rows: Row[] }[] = [
  {
    // isContainsValue: a non-empty string or a number; contains-any/all: a list, or a string through parseCommaSeparatedValues.
    source: `${PF}/01ae5a73aeacf402c1b786e709a25cbb07f0f2a1/src/assertions/contains.ts#L6-L11 and #L55-L75`,
    rows: [
      ["{type: contains, value: 42}", "{}", out("answer 42"), P()],
      ["{type: contains, value: ''}", "{}", out("x"), "refused"],
      ["{type: icontains, value: ''}", "{}", out("x"), "refused"],
      ["{type: icontains, value: FOX}", "{}", out("a fox"), P()],
      ["{type: not-contains, value: fox}", "{}", out("a fox"), F()],
      ["{type: contains-any, value: 'cat, dog'}", "{}", out("a dog"), P()],
      ["{type: contains-any, value: 'cat, dog'}", "{}", out("a fox"), F()],
      ["{type: contains-all, value: 'quick, lazy'}", "{}", out("quick and lazy"), P()],
      ["{type: contains-all, value: 'quick, lazy'}", "{}", out("quick"), F()],
      ["{type: icontains-all, value: 'QUICK,,LAZY'}", "{}", out("quick lazy"), P()],
      ["{type: contains-all, value: []}", "{}", out("x"), P()],
      ["{type: contains-any, value: []}", "{}", out("x"), F()],
      ["{type: contains-any, value: ''}", "{}", out("x"), "refused"],
    ],
  },
  {
    // parseCommaSeparatedValues: quoted items keep commas; "" and \" are quotes; an unterminated quote throws.
    source: `${PF}/b1ec335c13fbeef587f71550c68115b86796655c/src/util/parseCommaSeparatedValues.ts#L38-L63`,
    rows: [
      [`{type: contains-any, value: '"a,b", c'}`, "{}", out("x a,b"), P()],
      [`{type: contains-any, value: '"a,b", c'}`, "{}", out("a b"), F()],
      [`{type: contains-all, value: '"say ""hi""", x'}`, "{}", out('say "hi" x'), P()],
      [`{type: contains-any, value: '"unterminated'}`, "{}", out("x"), "refused"],
      [`{type: contains-any, value: '"a" b'}`, "{}", out("a"), "refused"],
    ],
  },
  {
    // handleStartsWith: invariant(renderedValue) and typeof string.
    source: `${PF}/48851c4654d433e9787d3890da1e0bb3fc902046/src/assertions/startsWith.ts#L11-L15`,
    rows: [
      ["{type: starts-with, value: 42}", "{}", out("42 is it"), "refused"],
      ["{type: starts-with, value: '42'}", "{}", out("42 is it"), P()],
      ["{type: starts-with, value: ''}", "{}", out("x"), "refused"],
      ["{type: not-starts-with, value: The}", "{}", out("The end"), F()],
    ],
  },
  {
    // handleIsJson: "" / null is no schema; a string not file:// is loaded as YAML and compiled; booleans are schemas.
    source: `${PF}/01f79c788baa78059feba05fb2db22ff3e89cee1/src/assertions/json.ts#L9-L40`,
    rows: [
      ['{type: is-json, value: "type: object\\nrequired: [name]"}', "{}", out('{"name": "x"}'), P()],
      ['{type: is-json, value: "type: object\\nrequired: [name]"}', "{}", out('{"age": 1}'), F()],
      ["{type: is-json, value: '{type: array}'}", "{}", out("[1]"), P()],
      ["{type: is-json, value: ''}", "{}", out("{}"), P()],
      ["{type: is-json, value: true}", "{}", out("3"), P()],
      ["{type: is-json, value: false}", "{}", out("3"), F()],
      ["{type: is-json}", "{}", out("not json"), F()],
    ],
  },
  {
    // handleWordCount: a number, or a string Number() reads, is the exact count; words split on whitespace.
    source: `${PF}/1c0c8c56c90d6759afce8c0c3a70b3c55ea5a84f/src/assertions/wordCount.ts#L80-L90`,
    rows: [
      ["{type: word-count, value: '3'}", "{}", out("a b c"), P()],
      ["{type: word-count, value: '3'}", "{}", out("a b"), F()],
      ["{type: word-count, value: 2}", "{}", out("  a \n b  "), P()],
      ["{type: word-count, value: '{{n}}'}", "{n: 2}", out("a b"), P()],
      ["{type: word-count, value: {min: 2}}", "{}", out("a"), F()],
    ],
  },
  {
    // handleFinishReason: compared in lower case.
    source: `${PF}/0be12fd9d4f97b90bd76360d12567b7c18429269/src/assertions/finishReason.ts#L22-L25`,
    rows: [
      ["{type: finish-reason, value: STOP}", "{}", out("x"), P()],
      ["{type: finish-reason, value: Length}", "{}", out("x", { finishReason: "length" }), P()],
      ["{type: finish-reason, value: stop}", "{}", out("x", { finishReason: "length" }), F()],
    ],
  },
  {
    // handleJavascript + buildFunctionBody (one line: `return line`; several: the body as written; const/let/var: return after the last `;`),
    // validateResult (boolean, finite number, or isGradingResult: pass, score AND reason), errors: pass false, score 0.
    source: `${PF}/101e10e995e4730d53a0f3f2cc913259f4bce785/src/assertions/javascript.ts#L130-L160 and #L169-L181`,
    rows: [
      ["{type: javascript, value: 'output.length'}", "{}", out("abc"), P(3)],
      ["{type: javascript, value: 'output.length'}", "{}", out(""), F(0)],
      ["{type: javascript, value: 'output.length / 10', threshold: 0.5}", "{}", out("abc"), F(0.3)],
      ["{type: javascript, value: '-2'}", "{}", out("abc"), F(-2)],
      ["{type: javascript, value: '({pass: true, score: 0.5})'}", "{}", out("x"), F(0)],
      ["{type: javascript, value: '({pass: false, score: 0.2, reason: \"r\"})'}", "{}", out("x"), F(0.2)],
      ["{type: javascript, value: 'const n = output.length; n > 2'}", "{}", out("abc"), P()],
      ['{type: javascript, value: "const n = output.length\\nreturn n > 2"}', "{}", out("abc"), P()],
      ['{type: javascript, value: "const n = output.length\\nn > 2"}', "{}", out("abc"), F(0)],
      ['{type: javascript, value: "output === \'abc\'\\n"}', "{}", out("abc"), P()],
      ["{type: javascript, value: 'output.includes(context.vars.who)'}", "{who: fox}", out("a fox"), P()],
    ],
  },
  {
    // normalizeScriptAssertionResult: a number keeps its score under not- (only pass flips); a grading object likewise.
    source: `${PF}/0ed6f63dc9ac48607c1ce787eacf1c2e68df2758/src/assertions/scriptResultNormalization.ts#L45-L66`,
    rows: [
      ["{type: not-javascript, value: 'output.length / 4'}", "{}", out("a"), F(0.25)],
      ["{type: not-javascript, value: '0'}", "{}", out("a"), P(0)],
      ["{type: not-javascript, value: '({pass: false, score: 0.2, reason: \"r\"})'}", "{}", out("x"), P(0.2)],
      ["{type: not-javascript, value: 'output.nope.x'}", "{}", out("x"), F(0)],
    ],
  },
  {
    // runAssertion renders a string value, and each string of a list, with nunjucks over the test's vars; weight 0 forces pass.
    source: `${PF}/600e37a1def0923fb71fe5a7cb4ecaed031c2c1d/src/assertions/index.ts (runAssertion: renderedValue, "If weight is 0")`,
    rows: [
      ["{type: equals, value: '{{num}}'}", "{num: 42}", out("42"), P()],
      ["{type: contains, value: '{{ noun | upper }}'}", "{noun: fox}", out("a FOX"), P()],
      ["{type: icontains-any, value: ['{{a}}', b]}", "{a: zed}", out("ZED"), P()],
      ["{type: contains-any, value: '{{a}}, {{b}}'}", "{a: cat, b: dog}", out("dog"), P()],
      ["{type: regex, value: '^{{ w }}$'}", "{w: fox}", out("fox"), P()],
      ["{type: contains, value: cat, weight: 0}", "{}", out("dog"), { pass: true, score: 0 }],
    ],
  },
  {
    // handlePerplexity / handlePerplexityScore: perplexity = exp(-mean logProb); `assertion.threshold ?` (none or 0: pass);
    // perplexity scores pass ? 1 : 0, perplexity-score scores 1 / (1 + perplexity); `inverse` is never read; no logProbs throws.
    source: `${PF}/e5c8e0173bbabc7387304784fefaa1ba9ccea088/src/assertions/perplexity.ts#L3-L43`,
    rows: [
      // mean -1: perplexity e = 2.718..., score 1 / (1 + e) = 0.2689...
      ["{type: perplexity, threshold: 3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 2.5}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F()],
      ["{type: perplexity}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 0}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: not-perplexity, threshold: 2.5}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F()],
      ["{type: not-perplexity, threshold: 3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P()],
      ["{type: perplexity, threshold: 1}", "{}", out("x y", { logprobs: [0, 0] }), P()],
      ["{type: perplexity-score, threshold: 0.25}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 / (1 + Math.E))],
      ["{type: perplexity-score, threshold: 0.3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F(1 / (1 + Math.E))],
      ["{type: perplexity-score}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), P(1 / (1 + Math.E))],
      ["{type: not-perplexity-score, threshold: 0.3}", "{}", out("x y", { logprobs: [-0.5, -1.5] }), F(1 / (1 + Math.E))],
      ["{type: perplexity-score, threshold: 0.5}", "{}", out("x y", { logprobs: [0, 0] }), P(0.5)],
      ["{type: perplexity, threshold: 2}", "{}", out("", { logprobs: [] }), "throws"],
      ["{type: perplexity-score}", "{}", out("x y"), "throws"],
    ],
  },
];

/** Validates a one-case file with `vars` and the assertion; its only assertion, or the codes of the diagnostics. */
function ours(flow: string, vars: string): { assertion?: ReturnType<typeof first>; codes: string[] } {
  const r = validateTestFile(`tests:\n  - prompt: p\n    vars: ${vars}\n    assert:\n      - ${flow}\n`, "t.yaml");
  return r.suite ? { assertion: first(r.suite), codes: [] } : { codes: r.diagnostics.map((d) => d.code) };
}
const first = (s: NonNullable<ReturnType<typeof validateTestFile>["suite"]>) => ({ a: s.cases[0]!.assert[0]!, vars: s.cases[0]!.vars });

describe("promptfoo parity: assertion values and results (differential table)", () => {
  for (const group of GROUPS) {
    describe(group.source, () => {
      for (const [flow, vars, output, want] of group.rows) {
        it(`${flow} ${vars} on ${JSON.stringify(output.text)} (${output.finishReason}) → ${want === "refused" || want === "throws" ? want : `${want.pass ? "pass" : "fail"} ${want.score}`}`, () => {
          const r = ours(flow, vars);
          if (want === "refused") {
            assert.equal(r.assertion, undefined, "promptfoo refuses this value");
            assert.ok(r.codes.length > 0 && r.codes.every((c) => c === "MS6006" || c === "MS6008"), r.codes.join());
            return;
          }
          assert.deepEqual(r.codes, []);
          if (want === "throws") {
            assert.throws(() => evaluateAssertion(r.assertion!.a, { ...output, vars: r.assertion!.vars }), /^Error: MS6300: /);
            return;
          }
          const got = evaluateAssertion(r.assertion!.a, { ...output, vars: r.assertion!.vars });
          assert.deepEqual({ pass: got.pass, score: got.score }, want);
        });
      }
    });
  }
});

const res = (pass: boolean, score: number, weight = 1, extra: Partial<AssertionResult> = {}): AssertionResult => ({ name: "x", pass, score, weight, expected: "x", ...extra });

// AssertionsResult.testResult: https://github.com/promptfoo/promptfoo/blob/0279b12d600a6dd9cce733ba1b0b06fb22e06d69/src/assertions/assertionsResult.ts#L170-L190
// runAssertions (assert-set results added to the main result with the set's weight and metric):
// https://github.com/promptfoo/promptfoo/blob/600e37a1def0923fb71fe5a7cb4ecaed031c2c1d/src/assertions/index.ts
describe("promptfoo parity: scoring a run", () => {
  const ROWS: [string, AssertionResult[], number | undefined, { pass: boolean; score: number }][] = [
    ["0.3 passing and 0.1 failing against 0.75: 0.7499999999999999 fails", [res(true, 1, 0.3), res(false, 0, 0.1)], 0.75, { pass: false, score: 0.3 / 0.4 }],
    ["total weight 0 scores 0", [res(true, 1, 0), res(true, 1, 0)], undefined, { pass: true, score: 0 }],
    ["an unclamped javascript score counts as it is", [res(true, 3), res(true, 1)], undefined, { pass: true, score: 2 }],
    ["threshold 0 passes whatever fails", [res(false, 0), res(false, 0)], 0, { pass: true, score: 0 }],
    ["a failing assertion fails the run without a threshold", [res(true, 1, 3), res(false, 0)], undefined, { pass: false, score: 0.75 }],
  ];
  for (const [name, results, threshold, want] of ROWS) {
    it(name, () => {
      const g = gradeRun(results, threshold);
      assert.deepEqual({ pass: g.pass, score: g.score }, want);
    });
  }

  it("an assert-set is scored over its own assertions with its threshold, then counts once with its weight and metric", () => {
    // Set 0 (threshold 0.5, weight 2, metric "facts"): scores 0.5 and passes although one of its assertions fails.
    const results = [res(true, 1), res(true, 1, 1, { set: 0, metric: "a" }), res(false, 0, 1, { set: 0 })];
    const g = gradeRun(results, undefined, [{ weight: 2, threshold: 0.5, metric: "facts" }]);
    assert.deepEqual([g.pass, g.score, g.namedScores], [true, (1 + 2 * 0.5) / 3, { facts: 0.5, a: 1 }]);
    assert.deepEqual(
      g.setResults.map((s) => [s.name, s.pass, s.score, s.weight]),
      [["assert-set", true, 0.5, 2]],
    );
    const strict = gradeRun(results, undefined, [{ weight: 1 }]);
    assert.equal(strict.pass, false, "without a threshold the set fails with its failing assertion");
  });

  it("metric names score: the weighted mean of the assertions that name it", () => {
    const g = gradeRun([res(true, 1, 2, { metric: "m" }), res(false, 0, 2, { metric: "m" }), res(true, 1, 1, { metric: "n" })]);
    assert.deepEqual(g.namedScores, { m: 0.5, n: 1 });
  });
});

// generateVarCombinations: https://github.com/promptfoo/promptfoo/blob/68f0cde13d48390d2075cd5fc5d8bc0fe3ae1e03/src/evaluator.ts
describe("promptfoo parity: list vars expand into the cartesian product", () => {
  it("a list of texts expands, the first var varying slowest; other lists stay one value", () => {
    assert.deepEqual(varCombinations({ a: ["1", "2"], b: ["x", "y"], n: [1, 2], s: "k" }), [
      { a: "1", b: "x", n: [1, 2], s: "k" },
      { a: "1", b: "y", n: [1, 2], s: "k" },
      { a: "2", b: "x", n: [1, 2], s: "k" },
      { a: "2", b: "y", n: [1, 2], s: "k" },
    ]);
  });
});

// assertionFromString and testCaseFromCsvRow: https://github.com/promptfoo/promptfoo/blob/01b206c37976be1c3859622d4c3f3459dcb0d078/src/csv.ts
describe("promptfoo parity: CSV shorthand (__expected cells)", () => {
  const ROWS: [string, Record<string, unknown>][] = [
    ["contains: foo", { type: "contains", value: " foo" }],
    ["not-icontains:Foo", { type: "not-icontains", value: "Foo" }],
    ["contains-any: a, b ,c", { type: "contains-any", value: ["a", "b", "c"] }],
    ["is-json", { type: "is-json" }],
    ["starts-with: x", { type: "starts-with", value: " x", threshold: 0.75 }],
    ["starts-with(0.9):x", { type: "starts-with", value: "x", threshold: 0.9 }],
    ["javascript: output.length > 3", { type: "javascript", value: "output.length > 3" }],
    ["fn: output === 'a'", { type: "javascript", value: "output === 'a'" }],
    ["file://check.js:grade", { type: "javascript", value: "file://check.js:grade" }],
    ["grade: is polite", { type: "llm-rubric", value: " is polite" }],
    ["just some text", { type: "equals", value: "just some text" }],
    ["contans: x", { type: "equals", value: "contans: x" }],
    // perplexity is one of csv.ts's threshold types: `threshold || 0.75` (a perplexity is at least 1, so a bare cell never passes).
    ["perplexity(1.5)", { type: "perplexity", threshold: 1.5 }],
    ["perplexity", { type: "perplexity", threshold: 0.75 }],
    ["not-perplexity-score(0.4):", { type: "not-perplexity-score", value: "", threshold: 0.4 }],
  ];
  for (const [cell, want] of ROWS) it(JSON.stringify(cell), () => assert.deepEqual(assertionFromString(cell), want));

  it("rows: columns are vars, __expected columns assertions, __metric their metric, __threshold and __description", () => {
    const rows = parseCsvCases('q,__expected1,__expected2,__metric,__threshold,__description\nhi,contains: a,,m,0.5,\n"x, y","icontains-all: p, q",equals: z,,,named\n');
    assert.deepEqual(
      rows.map((r) => [r.row, r.line, r.description, r.vars, r.assert.map((a) => a.raw), r.threshold]),
      [
        [1, 2, "Row #1", { q: "hi" }, [{ type: "contains", value: " a", metric: "m" }], 0.5],
        // An empty __metric cell still sets metric "" on the row's assertions, as promptfoo's loop does (no named score comes of it).
        [2, 3, "named", { q: "x, y" }, [{ type: "icontains-all", value: ["p", "q"], metric: "" }, { type: "equals", value: " z", metric: "" }], undefined],
      ],
    );
  });
});
