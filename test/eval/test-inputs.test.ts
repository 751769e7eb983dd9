import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { grade, loadTestFile, validateTestFile, type CachedRun, type TestCase } from "../../src/eval/index.js";
import { tempProject } from "../helpers/cli.js";

/**
 * Test inputs as promptfoo reads them: defaultTest, prompts:, tests from CSV and
 * YAML files, file:// vars and values, javascript scripts, transforms,
 * assert-sets, list vars; and the diagnostics of a file, all in one run.
 * Files are real, in a temp dir, read by loadTestFile; outputs are given (no
 * model), graded by the real grader.
 *
 * promptfoo's reading of these: src/util/testCaseReader.ts (tests files, Row #n),
 * src/csv.ts (CSV rows), src/evaluatorHelpers.ts (file:// vars: .yaml as JSON,
 * other files trimmed), src/util/transform.ts, src/assertions/index.ts
 * (assert-set), src/evaluator.ts (defaultTest merged into each test).
 */

let dir: string;
const run = (text: string, finishReason: CachedRun["finishReason"] = "stop"): CachedRun => ({ text, finishReason, promptTokens: 1, completionTokens: 1, latencyMs: 5 });
const load = (name: string) => loadTestFile(path.join(dir, name), name);
const cases = async (name: string): Promise<TestCase[]> => {
  const r = await load(name);
  assert.deepEqual(r.diagnostics.map((d) => `${d.file}:${d.range?.start.line}:${d.range?.start.column} ${d.code} ${d.message}`), []);
  return r.suite!.cases;
};

before(() => {
  dir = tempProject({
    "csv-suite.yaml": 'prompts: ["Q: {{question}}"]\ndefaultTest:\n  options: {temperature: 0}\ntests: file://cases.csv\n',
    "cases.csv": 'question,__expected1,__expected2,__description,__metric\nWhat is 2+2?,contains: 4,"contains-any: four, 4",adds,math\n"Name, a colour",icontains:RED,,,\n',
    "inputs.yaml": [
      "defaultTest: file://default.yaml",
      "tests:",
      "  - prompt: 'Note: {{note}} / {{data}} / {{lang}}'",
      "    vars: file://vars.yaml",
      "    assert:",
      "      - {type: equals, value: file://expected.txt}",
      "      - {type: javascript, value: file://check.js}",
      "      - {type: javascript, value: 'file://check.js:long'}",
      "      - {type: javascript, value: file://esm.mjs}",
      "  - file://more.yaml",
      "",
    ].join("\n"),
    "default.yaml": "vars: {lang: fr}\noptions: {transform: output.trim()}\nassert:\n  - {type: icontains, value: '{{lang}}', metric: language}\n",
    "vars.yaml": "note: file://note.txt\ndata: file://data.yaml\n",
    "note.txt": "  a note\n\n",
    "data.yaml": "a: [1, 2]\n",
    "expected.txt": "FR ok\n",
    "check.js": "module.exports = (output, context) => output.startsWith(context.vars.lang.toUpperCase());\nmodule.exports.long = (output) => ({ pass: output.length > 2, score: output.length / 10, reason: 'length ' + output.length });\n",
    "esm.mjs": "export default function (output) { return output.length; }\n",
    "more.yaml": "- description: from more.yaml\n  prompt: more\n  assert: [{type: contains, value: m}]\n",
    "matrix.yaml": [
      "tests:",
      "  - description: matrix",
      "    prompt: '{{greeting}} in {{lang}}, {{ tone | upper }}'",
      "    vars: {greeting: hi, lang: [fr, de], tone: [calm, loud], nums: [1, 2]}",
      "    assert:",
      "      - {type: contains, value: '{{lang}}'}",
      "      - type: assert-set",
      "        threshold: 0.5",
      "        metric: tone",
      "        assert:",
      "          - {type: icontains, value: '{{tone}}'}",
      "          - {type: contains, value: never}",
      "      - type: word-count",
      "        value: 3",
      "        transform: output.split(',')[0]",
      "",
    ].join("\n"),
    "bad.yaml": [
      'prompts: ["{{q}}"]',
      "tests:",
      "  - prompt: 'Hello {{ nmae }}, {{ who | default(\"you\") }}'",
      "    vars: {name: x}",
      "    assert:",
      "      - {type: contains, value: ''}",
      "      - {type: starts-with, value: 42}",
      "      - {type: is-json, value: file://missing.schema.json}",
      "      - {type: javascript, value: 'file://check.js:nope'}",
      "      - {type: contains, value: '{{ broken'}",
      "  - prompt: p",
      "    vars: file://nowhere.yaml",
      "    assert: [{type: contains, value: x}]",
      "  - file://bad-cases.csv",
      "",
    ].join("\n"),
    "bad-cases.csv": "q,__expected\nhello,python: print(1)\n",
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("tests: file://cases.csv with prompts: and defaultTest", () => {
  it("makes one case per row: columns are vars, __expected cells assertions with the row's __metric, named by __description or Row #n", async () => {
    const [a, b] = await cases("csv-suite.yaml");
    assert.deepEqual(
      [a, b].map((c) => [c!.id, c!.name, c!.file, c!.range.start.line, c!.prompt, c!.options, c!.assert.map((x) => [x.name, x.value, x.metric])]),
      [
        ["cases.csv#1", "adds", "cases.csv", 2, "Q: What is 2+2?", { temperature: 0 }, [["contains", { kind: "text", text: " 4" }, "math"], ["contains-any", { kind: "list", items: ["four", "4"] }, "math"]]],
        ["cases.csv#2", "Row #2", "cases.csv", 3, "Q: Name, a colour", { temperature: 0 }, [["icontains", { kind: "text", text: "RED" }, ""]]],
      ],
    );
    const g = grade("m", a!, [run("It is 4.")], false, 0);
    assert.deepEqual([g.status, g.score, g.namedScores], ["pass", 1, { math: 1 }]);
  });
});

describe("file:// for defaultTest, vars, var values, assertion values and scripts", () => {
  it("reads each as promptfoo does, and grades with the scripts' functions", async () => {
    const [c, more] = await cases("inputs.yaml");
    // note.txt trimmed; data.yaml given as JSON text; lang from defaultTest's vars.
    assert.equal(c!.prompt, 'Note: a note / {"a":[1,2]} / fr');
    assert.deepEqual(c!.assert.map((x) => x.name), ["equals", "javascript", "javascript", "javascript", "icontains"]);
    assert.equal(c!.transform?.code, "output.trim()");
    const g = grade("m", c!, [run("  FR ok \n")], false, 0);
    assert.deepEqual(
      g.runs[0]!.assertions.map((x) => [x.name, x.pass, x.score, x.detail]),
      [
        ["equals", true, 1, undefined],
        ["javascript", true, 1, undefined],
        ["javascript", true, 0.5, "length 5"],
        ["javascript", true, 5, "score 5"],
        ["icontains", true, 1, undefined],
      ],
    );
    assert.deepEqual([g.status, g.runs[0]!.transformed, g.namedScores], ["pass", "FR ok", { language: 1 }]);
    assert.deepEqual([more!.id, more!.name, more!.file], ["more.yaml#1", "from more.yaml", "more.yaml"]);
  });
});

describe("a list var expands into one case per value (the cartesian product), with assert-sets and transforms", () => {
  it("makes 4 cases from lang × tone; a list of numbers stays one value", async () => {
    const cs = await cases("matrix.yaml");
    assert.deepEqual(
      cs.map((c) => [c.id, c.name, c.prompt, c.vars.nums]),
      [
        ["matrix.yaml#1.1", "matrix [lang=fr, tone=calm]", "hi in fr, CALM", "[1,2]"],
        ["matrix.yaml#1.2", "matrix [lang=fr, tone=loud]", "hi in fr, LOUD", "[1,2]"],
        ["matrix.yaml#1.3", "matrix [lang=de, tone=calm]", "hi in de, CALM", "[1,2]"],
        ["matrix.yaml#1.4", "matrix [lang=de, tone=loud]", "hi in de, LOUD", "[1,2]"],
      ],
    );
    const g = grade("m", cs[2]!, [run("three words here, de calm")], false, 0);
    assert.deepEqual(
      g.runs[0]!.assertions.map((x) => [x.name, x.pass, x.score, x.set]),
      [
        ["contains", true, 1, undefined],
        ["icontains", true, 1, 0],
        ["contains", false, 0, 0],
        ["word-count", true, 1, undefined],
        ["assert-set", true, 0.5, undefined],
      ],
    );
    assert.deepEqual([g.status, g.score, g.namedScores], ["pass", 2.5 / 3, { tone: 0.5 }]);
  });
});

describe("diagnostics: every problem of a file and of the files it names, in one run, each where it is", () => {
  it("reports template, value, file, script and CSV problems together", async () => {
    const r = await load("bad.yaml");
    assert.equal(r.suite, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.file}:${d.range?.start.line}:${d.range?.start.column} ${d.code} ${d.message}`),
      [
        "bad.yaml:3:20 MS6011 undefined variable `nmae`",
        'bad.yaml:6:33 MS6006 contains takes a non-empty text: every output contains ""',
        "bad.yaml:7:36 MS6006 starts-with takes a text, not a number",
        "bad.yaml:8:32 MS6009 schema file missing.schema.json not found",
        "bad.yaml:9:35 MS6106 check.js exports no function `nope`",
        "bad.yaml:10:34 MS6101 invalid template: expected variable end",
        "bad.yaml:12:11 MS6102 nowhere.yaml not found",
        "bad-cases.csv:2:7 MS6320 `python` is a promptfoo assertion type that modelsmith does not run: modelsmith runs assertion code in Node only (decision: no Python assertions)",
      ],
    );
    // The file named by a CSV is shown with its code frame.
    assert.ok(r.sources?.has("bad-cases.csv"));
  });

  it("a var read under `| default` is not undefined; one never defined is, with a did-you-mean", () => {
    const r = validateTestFile("tests:\n  - prompt: '{{ a | default(\"x\") }} {% if b %}{{ b }}{% endif %} {{ nmae }}'\n    vars: {name: n}\n    assert: [{type: contains, value: x}]\n", "t.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message, d.hint]), [["MS6011", "undefined variable `nmae`", "did you mean `name`?"]]);
  });

  it("list vars that expand into more than 10,000 cases are refused at `vars`", () => {
    const list = `[${Array.from({ length: 30 }, (_, i) => `v${i}`).join(", ")}]`;
    const r = validateTestFile(`tests:\n  - prompt: '{{a}}{{b}}{{c}}'\n    vars: {a: ${list}, b: ${list}, c: ${list}}\n    assert: [{type: contains, value: x}]\n`, "t.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message, d.range?.start.line]), [["MS6004", "the list vars of test case 1 expand into 27000 cases, more than 10000", 3]]);
  });

  it("a template error is shown where nunjucks finds it, in the YAML source", () => {
    const r = validateTestFile("tests:\n  - prompt: |\n      line one\n      x {% if %}\n    assert: [{type: contains, value: x}]\n", "t.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message, d.range?.start.line, d.range?.start.column]), [["MS6101", "invalid template: unexpected token: %}", 4, 15]]);
  });
});
