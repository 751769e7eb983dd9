import assert from "node:assert/strict";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { parseXml } from "./xml.js";

const MODELFILE = `FROM testmodel://oracle
PARAMETER temperature 0
PARAMETER num_predict 6
PARAMETER num_thread 1
PARAMETER num_ctx 256
`;

const PASSING = `tests:
  - description: continues the sentence
    prompt: The quick brown
    raw: true
    assert:
      - {type: equals, value: " fox jumps over the lazy dog"}
  - description: names the dog
    prompt: jumps over the
    raw: true
    assert:
      - {type: icontains, value: LAZY}
      - {type: not-contains, value: cat}
`;
const FAILING = PASSING.replace("{type: not-contains, value: cat}", "{type: contains, value: cat}");

let dir: string;
const home = () => path.join(dir, "home");
const cli = (args: string[]) => runCli(args, { cwd: dir, env: { MODELSMITH_HOME: home() } });

before(async () => {
  dir = tempProject({
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: tests/fox.yaml\n  plain:\n    modelfile: Modelfile\n",
    Modelfile: MODELFILE,
    "tests/fox.yaml": FAILING,
  });
  const built = await cli(["build", "--no-test"]);
  assert.equal(built.exitCode, 0, built.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("modelsmith test (subprocess, a built oracle model)", () => {
  it("exits 1 with a failing case, and the console report names it with expected and actual text", async () => {
    const r = await cli(["test"]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.equal(r.stderr, "testing fox:latest: 2 cases\n");
    // Times vary: the time column is normalized.
    const table = r.stdout.split("\n").slice(0, 4).map((l) => l.replace(/ +(\d+ ms|time)$/, (_, t: string) => ` ${t === "time" ? t : "N ms"}`));
    assert.deepEqual(table, [
      "fox:latest",
      "  status  case              name                    score  runs time",
      "  PASS    tests/fox.yaml#1  continues the sentence   1.00   1/1 N ms",
      "  FAIL    tests/fox.yaml#2  names the dog            0.50   0/1 N ms",
    ]);
    assert.match(
      r.stdout,
      /FAIL fox:latest tests\/fox\.yaml#2 names the dog \(tests\/fox\.yaml:7:5\)\n {2}score 0\.50, finished with stop\n {4}✗ contains: expected output to contain "cat"\n {4}output: " lazy dog\."\n\n2 cases: 1 passed, 1 failed, 0 errors\n$/,
    );
  });

  it("--reporter junit -o writes well-formed JUnit XML with the right counts; the outputs now come from the cache", async () => {
    const file = path.join(dir, "junit.xml");
    const r = await cli(["test", "--reporter", "junit", "-o", file]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /2 cases: 1 passed, 1 failed, 0 errors \(2 cached\); report written to /);
    const root = parseXml(readFileSync(file, "utf8"));
    assert.deepEqual([root.attributes.tests, root.attributes.failures, root.attributes.errors], ["2", "1", "0"]);
    assert.deepEqual(root.children.map((s) => [s.attributes.name, s.attributes.tests, s.attributes.failures]), [["fox:latest", "2", "1"]]);
    assert.deepEqual(root.children[0]!.children.map((t) => [t.attributes.name, t.children.map((c) => c.name)]), [
      ["#1 continues the sentence", []],
      ["#2 names the dog", ["failure"]],
    ]);
  });

  it("--json has every case with its output", async () => {
    const r = await cli(["test", "--json"]);
    assert.equal(r.exitCode, 1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; summary: { cases: number }; cases: { name: string; status: string; runs: { text: string }[] }[] };
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.cases.map((c) => [c.name, c.status, c.runs[0]!.text]), [
      ["continues the sentence", "pass", " fox jumps over the lazy dog"],
      ["names the dog", "fail", " lazy dog."],
    ]);
  });

  it("--grep filters cases by name", async () => {
    const r = await cli(["test", "--json", "--grep", "^cont"]);
    assert.equal(r.exitCode, 0);
    assert.deepEqual((JSON.parse(r.stdout) as { cases: { name: string }[] }).cases.map((c) => c.name), ["continues the sentence"]);
  });

  it("exits 0 once the test is fixed, without generating again", async () => {
    writeFileSync(path.join(dir, "tests/fox.yaml"), PASSING);
    const r = await cli(["test", "fox", "--no-cache"]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 cases: 2 passed, 0 failed, 0 errors\n$/);
    const cached = await cli(["test"]);
    assert.match(cached.stdout, /2 cases: 2 passed, 0 failed, 0 errors \(2 cached\)\n$/);
  });
});

describe("modelsmith test: time limits", () => {
  it("a case past its time limit is an error that says so, and a Modelfile without num_predict still ends", async () => {
    // The oracle without EOS never stops by itself: without num_predict it runs to the cap, 10 x num_ctx = 2,560 tokens.
    const slow = tempProject({
      "modelsmith.yaml": "models:\n  slow:\n    modelfile: Modelfile\n    tests: t.yaml\n",
      Modelfile: "FROM testmodel://oracle?eos=false\nPARAMETER temperature 0\nPARAMETER num_thread 1\nPARAMETER num_ctx 256\n",
      "t.yaml": "tests:\n  - description: recites\n    prompt: The quick brown\n    timeout: 100ms\n    assert: [{type: contains, value: fox}]\n",
    });
    const env = { MODELSMITH_HOME: path.join(slow, "home") };
    try {
      const built = await runCli(["build", "--no-test"], { cwd: slow, env });
      assert.equal(built.exitCode, 0, built.stderr);
      const r = await runCli(["test", "--json"], { cwd: slow, env });
      // A case in error exits 3, as any case that could not run (src/cli/commands/test.ts).
      assert.equal(r.exitCode, 3, r.stderr);
      const doc = JSON.parse(r.stdout) as { cases: { status: string; error?: string }[] };
      assert.equal(doc.cases.length, 1);
      assert.equal(doc.cases[0]!.status, "error");
      assert.match(doc.cases[0]!.error ?? "", /^MS6075: timed out after 100 ms \(the case's `timeout:`, default 60 s\): the generation was stopped after \d+ token\(s\)$/);
      // The same model without a time limit in the way: `run` ends by itself at the cap.
      const run = await runCli(["run", "slow", "The quick brown", "--verbose"], { cwd: slow, env, input: "" });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stderr, /^eval count: +2560 token\(s\)$/m);
    } finally {
      rmSync(slow, { recursive: true, force: true });
    }
  });
});

describe("modelsmith test: bad input and environment", () => {
  it("a bad test file exits 2 with its YAML position, before loading any model", async () => {
    const bad = tempProject({
      "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: [t.yaml]\n",
      Modelfile: MODELFILE,
      "t.yaml": "tests:\n  - prompt: hi\n    assert:\n      - type: contans\n        value: x\n",
    });
    try {
      const r = await runCli(["test"], { cwd: bad, env: { MODELSMITH_HOME: path.join(bad, "home") } });
      assert.equal(r.exitCode, 2);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "t.yaml:4:15: error[MS6005]: unknown assertion type `contans`\n 4 |       - type: contans\n   |               ^^^^^^^\nhint: did you mean `contains`?\n");
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("an unknown model or --grep pattern exits 2", async () => {
    const r = await cli(["test", "foz"]);
    assert.deepEqual([r.exitCode, r.stderr], [2, "error[MS6010]: model `foz` is not in the project\nhint: did you mean `fox`?\n"]);
    const g = await cli(["test", "--grep", "("]);
    assert.equal(g.exitCode, 2);
    assert.match(g.stderr, /^error\[MS6016\]: invalid --grep pattern: \/\(\/: Unterminated group\n/);
  });

  it("a model with nothing to test exits 0 and says so", async () => {
    const r = await cli(["test", "plain"]);
    assert.deepEqual([r.exitCode, r.stderr], [0, "no tests to run: list test files under a model's `tests:` in modelsmith.yaml\n"]);
  });

  it("a model that cannot load exits 3", async () => {
    // Replace the model's GGUF blob with bytes that are no GGUF: the runtime's header check refuses them before llama.cpp.
    const blobs = path.join(home(), "blobs");
    const biggest = readdirSync(blobs)
      .map((n) => path.join(blobs, n))
      .sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
    chmodSync(biggest, 0o644);
    writeFileSync(biggest, "this is not a model file at all");
    const r = await cli(["test", "--no-cache"]);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.match(r.stderr, /error\[MS3001\]: model fox:latest: not a GGUF file/);
    assert.match(r.stderr, /hint: the stored file is damaged: `modelsmith verify` names it/);
  });
});
