import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { consoleReport, escapeXml, grade, jsonReport, junitReport, type CachedRun, type CaseResult } from "../../src/eval/index.js";
import { casesOf } from "./helpers.js";
import { parseXml, type XmlElement } from "./xml.js";

const run = (text: string, finishReason: CachedRun["finishReason"] = "stop"): CachedRun => ({ text, finishReason, promptTokens: 3, completionTokens: 4, latencyMs: 50 });

const cases = casesOf(
  `
tests:
  - description: says fox
    prompt: The quick brown
    assert: [{type: contains, value: fox}]
  - description: "no <cats> & \\"dogs\\""
    prompt: The lazy
    assert:
      - {type: not-contains, value: dog, weight: 2}
      - {type: word-count, value: {max: 2}}
  - prompt: |-
      Count
      to three
    repeat: 3
    passRate: 0.6
    assert: [{type: regex, value: "^1 2 3$"}]
  - prompt: broken
    assert: [{type: is-json}]
`,
  "tests/fox.yaml",
);

const results: CaseResult[] = [
  grade("fox:latest", cases[0]!, [run(" fox jumps")], false, 31.6),
  grade("fox:latest", cases[1]!, [run("dog.\u0001 The quick", "length")], true, 0),
  grade("fox:latest", cases[2]!, [run("1 2 3"), run("1 2"), run("one")], false, 1200),
  { case: cases[3]!, model: "fox:q8_0", status: "error", score: 0, passRate: 0, runs: [], cached: false, durationMs: 5, error: "llama.cpp: context is full" },
];

describe("console report", () => {
  it("is a compact table per model, then each failure with expected and actual text, then the summary", () => {
    assert.equal(
      consoleReport(results),
      `fox:latest
  status  case              name                score  runs     time
  PASS    tests/fox.yaml#1  says fox             1.00   1/1    32 ms
  FAIL    tests/fox.yaml#2  no <cats> & "dogs"   0.00   0/1   cached
  FAIL    tests/fox.yaml#3  Count                0.33   1/3  1200 ms

fox:q8_0
  status  case              name    score  runs  time
  ERROR   tests/fox.yaml#4  broken      -     -  5 ms

FAIL fox:latest tests/fox.yaml#2 no <cats> & "dogs" (tests/fox.yaml:6:5)
  score 0.00, finished with length
    ✗ not-contains (weight 2): expected output to not contain "dog"
    ✗ word-count: expected output to have at most 2 words; 3 words
    output: "dog.\\u0001 The quick"

FAIL fox:latest tests/fox.yaml#3 Count (tests/fox.yaml:11:5)
  1/3 runs passed, 60% needed
  run 2: score 0.00, finished with stop
    ✗ regex: expected output to match /^1 2 3$/
    output: "1 2"
  run 3: score 0.00, finished with stop
    ✗ regex: expected output to match /^1 2 3$/
    output: "one"

ERROR fox:q8_0 tests/fox.yaml#4 broken (tests/fox.yaml:17:5)
  error: llama.cpp: context is full

4 cases: 1 passed, 2 failed, 1 error (1 cached)
`,
    );
  });
  it("says so when there is nothing to report", () => {
    assert.equal(consoleReport([]), "0 cases: 0 passed, 0 failed, 0 errors\n");
  });
});

describe("JSON report", () => {
  const doc = JSON.parse(jsonReport(results)) as { ok: boolean; summary: unknown; cases: Record<string, unknown>[] };
  it("has a summary and every case with its runs", () => {
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.summary, { cases: 4, passed: 1, failed: 2, errors: 1, cached: 1 });
    assert.deepEqual(
      doc.cases.map((c) => [c.id, c.name, c.model, c.status, c.line, c.cached, c.durationMs, (c.runs as unknown[]).length]),
      [
        ["tests/fox.yaml#1", "says fox", "fox:latest", "pass", 3, false, 32, 1],
        ["tests/fox.yaml#2", 'no <cats> & "dogs"', "fox:latest", "fail", 6, true, 0, 1],
        ["tests/fox.yaml#3", "Count", "fox:latest", "fail", 11, false, 1200, 3],
        ["tests/fox.yaml#4", "broken", "fox:q8_0", "error", 17, false, 5, 0],
      ],
    );
    assert.equal(doc.cases[3]!.error, "llama.cpp: context is full");
  });
  it("keeps each run's output and assertion results", () => {
    assert.deepEqual((doc.cases[1]!.runs as unknown[])[0], {
      text: "dog.\u0001 The quick",
      finishReason: "length",
      promptTokens: 3,
      completionTokens: 4,
      latencyMs: 50,
      pass: false,
      score: 0,
      assertions: [
        { name: "not-contains", pass: false, score: 0, weight: 2, expected: 'not contain "dog"' },
        { name: "word-count", pass: false, score: 0, weight: 1, expected: "have at most 2 words", detail: "3 words" },
      ],
    });
  });
  it("is ok when every case passes", () => {
    assert.equal((JSON.parse(jsonReport(results.slice(0, 1))) as { ok: boolean }).ok, true);
  });
});

describe("JUnit report", () => {
  const xml = junitReport(results);
  const root = parseXml(xml);
  const attrs = (e: XmlElement) => e.attributes;
  it("is well-formed XML with the right counts, one testsuite per model", () => {
    assert.equal(root.name, "testsuites");
    assert.deepEqual(attrs(root), { name: "modelsmith", tests: "4", failures: "2", errors: "1", time: "1.237" });
    assert.deepEqual(root.children.map(attrs), [
      { name: "fox:latest", tests: "3", failures: "2", errors: "0", skipped: "0", time: "1.232" },
      { name: "fox:q8_0", tests: "1", failures: "0", errors: "1", skipped: "0", time: "0.005" },
    ]);
    const testcases = root.children.flatMap((s) => s.children);
    assert.deepEqual(testcases.map(attrs), [
      { classname: "tests/fox.yaml", name: "#1 says fox", time: "0.032" },
      { classname: "tests/fox.yaml", name: '#2 no <cats> & "dogs"', time: "0.000" },
      { classname: "tests/fox.yaml", name: "#3 Count", time: "1.200" },
      { classname: "tests/fox.yaml", name: "#4 broken", time: "0.005" },
    ]);
    assert.deepEqual(testcases.map((t) => t.children.map((c) => c.name)), [[], ["failure"], ["failure"], ["error"]]);
  });
  it("puts the failing assertions and the output in the failure, escaped", () => {
    const failure = root.children[0]!.children[1]!.children[0]!;
    assert.deepEqual(failure.attributes, { message: "score 0.00, 0/1 runs passed", type: "assertion" });
    assert.equal(
      failure.text,
      'score 0.00, finished with length\n  ✗ not-contains (weight 2): expected output to not contain "dog"\n  ✗ word-count: expected output to have at most 2 words; 3 words\n  output: "dog.\\u0001 The quick"',
    );
    assert.deepEqual(root.children[1]!.children[0]!.children[0]!.attributes, { message: "llama.cpp: context is full", type: "error" });
  });
  it("an empty run is still a valid document", () => {
    assert.deepEqual(attrs(parseXml(junitReport([]))), { name: "modelsmith", tests: "0", failures: "0", errors: "0", time: "0.000" });
  });
});

describe("escapeXml", () => {
  it("escapes markup, replaces characters XML cannot hold, keeps pairs", () => {
    assert.equal(escapeXml(`a<b>&"c'`), `a&lt;b&gt;&amp;"c'`);
    assert.equal(escapeXml(`a<b>&"c'`, true), "a&lt;b&gt;&amp;&quot;c&apos;");
    assert.equal(escapeXml("x\u0000y\u001bz\ufffe"), "x\ufffdy\ufffdz\ufffd");
    assert.equal(escapeXml("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
    assert.equal(escapeXml("tab\tnl\n", true), "tab&#9;nl&#10;");
    assert.equal(escapeXml("🙂 \ud800 \udc00"), "🙂 \ufffd \ufffd");
  });
  it("round-trips through an XML parser", () => {
    const s = `<&>"' 🙂 \t\n`;
    const doc = parseXml(`<a v="${escapeXml(s, true)}">${escapeXml(s)}</a>`);
    assert.deepEqual([doc.attributes.v, doc.text], [s, s]);
  });
});
