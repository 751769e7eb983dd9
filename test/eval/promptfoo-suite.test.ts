import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { parseXml } from "./xml.js";

/**
 * A promptfoo-style suite end to end through the `modelsmith test` subprocess
 * on a built oracle model: a CSV of cases (promptfoo's columns: vars and
 * __expected shorthand, __description, __metric) run against the file's
 * `prompts:`, and a list-var matrix that expands into one case per value, with
 * defaultTest, a transform and an assert-set; read back from the JUnit and
 * JSON reporters. The oracle continues its sentence, "The quick brown fox jumps
 * over the lazy dog.", from the prompt's last word.
 */

const MODELFILE = `FROM testmodel://oracle
PARAMETER temperature 0
PARAMETER num_predict 6
PARAMETER num_thread 1
PARAMETER num_ctx 256
`;

const CSV = `start,__expected1,__expected2,__description,__metric
The quick brown,contains: fox,"contains-any: cat, dog",finishes the fox,recall
jumps over the,starts-with: lazy,not-contains: fox,names the dog,recall
over the lazy,equals: dog.,icontains: CAT,fails on purpose,
`;

const MATRIX = `prompts: ["{{ word }}"]
defaultTest:
  options: {transform: output.trim()}
  assert:
    - {type: javascript, value: output.length > 0, metric: nonempty}
tests:
  - description: matrix
    vars: {word: [lazy, over, the]}
    assert:
      - {type: icontains, value: DOG, metric: recall}
      - type: assert-set
        threshold: 0.5
        assert:
          - {type: not-starts-with, value: " "}
          - {type: contains, value: "{{ word }}"}
`;

let dir: string;
const cli = (args: string[]) => runCli(args, { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, "home") } });

before(async () => {
  dir = tempProject({
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: [tests/csv-suite.yaml, tests/matrix.yaml]\n",
    Modelfile: MODELFILE,
    "tests/csv-suite.yaml": 'prompts: ["{{start}}"]\ntests: file://cases.csv\n',
    "tests/cases.csv": CSV,
    "tests/matrix.yaml": MATRIX,
  });
  const built = await cli(["build", "--no-test"]);
  assert.equal(built.exitCode, 0, built.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a CSV suite and a list-var matrix through `modelsmith test` (subprocess, a built oracle model)", () => {
  it("--reporter junit: one testcase per CSV row and per matrix value, the failing row with its assertion, metrics as properties", async () => {
    const file = path.join(dir, "junit.xml");
    const r = await cli(["test", "--reporter", "junit", "-o", file]);
    assert.equal(r.exitCode, 1, r.stderr);
    const root = parseXml(readFileSync(file, "utf8"));
    assert.deepEqual([root.attributes.tests, root.attributes.failures, root.attributes.errors], ["6", "1", "0"]);
    const suite = root.children[0]!;
    const cases = suite.children.filter((c) => c.name === "testcase");
    assert.deepEqual(
      cases.map((t) => [t.attributes.classname, t.attributes.name, t.children.map((c) => c.name)]),
      [
        ["tests/cases.csv", "#1 finishes the fox", []],
        ["tests/cases.csv", "#2 names the dog", []],
        ["tests/cases.csv", "#3 fails on purpose", ["failure"]],
        ["tests/matrix.yaml", "#1 matrix [word=lazy]", []],
        ["tests/matrix.yaml", "#1 matrix [word=over]", []],
        ["tests/matrix.yaml", "#1 matrix [word=the]", []],
      ],
    );
    const failure = cases[2]!.children[0]!;
    assert.match(failure.text, /✗ icontains: expected output to contain \(any case\) " CAT"/);
    const props = suite.children.find((c) => c.name === "properties")!.children.map((p) => [p.attributes.name, p.attributes.value]);
    // recall: 2 CSV rows (1 each) + 3 matrix cases (1 each); nonempty: the 3 matrix cases.
    assert.deepEqual(props, [
      ["metric:recall", "5/5"],
      ["metric:nonempty", "3/3"],
    ]);
  });

  it("--json: each case's vars, rendered prompt and output, the transform's result, named scores and the summary's metrics", async () => {
    const r = await cli(["test", "--json"]);
    assert.equal(r.exitCode, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      summary: { cases: number; failed: number; cached: number; metrics: Record<string, { sum: number; count: number }> };
      cases: { id: string; name: string; status: string; vars: Record<string, string>; namedScores?: Record<string, number>; runs: { text: string; transformed?: string; assertions: { name: string; pass: boolean }[] }[] }[];
    };
    assert.deepEqual([doc.summary.cases, doc.summary.failed, doc.summary.cached], [6, 1, 6]);
    assert.deepEqual(doc.summary.metrics, { recall: { sum: 5, count: 5 }, nonempty: { sum: 3, count: 3 } });
    assert.deepEqual(
      doc.cases.map((c) => [c.id, c.status, c.vars, c.runs[0]!.text]),
      [
        ["tests/cases.csv#1", "pass", { start: "The quick brown" }, " fox jumps over the lazy dog"],
        ["tests/cases.csv#2", "pass", { start: "jumps over the" }, " lazy dog."],
        ["tests/cases.csv#3", "fail", { start: "over the lazy" }, " dog."],
        ["tests/matrix.yaml#1.1", "pass", { word: "lazy" }, " dog."],
        ["tests/matrix.yaml#1.2", "pass", { word: "over" }, " the lazy dog."],
        ["tests/matrix.yaml#1.3", "pass", { word: "the" }, " lazy dog."],
      ],
    );
    const lazy = doc.cases[3]!;
    assert.equal(lazy.runs[0]!.transformed, "dog.");
    assert.deepEqual(
      lazy.runs[0]!.assertions.map((a) => [a.name, a.pass]),
      [
        ["icontains", true],
        ["not-starts-with", true],
        // "dog." does not contain "lazy": the set passes on its threshold of 0.5.
        ["contains", false],
        ["javascript", true],
        ["assert-set", true],
      ],
    );
    assert.deepEqual(lazy.namedScores, { recall: 1, nonempty: 1 });
  });
});
