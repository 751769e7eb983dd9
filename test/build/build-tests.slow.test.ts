import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "./helpers.js";

const project = (expected: string) =>
  tempProject({
    "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n    tests: tests.yaml\n  quiet:\n    modelfile: Modelfile\n",
    Modelfile: "FROM testmodel://oracle\nSYSTEM You are terse.\n",
    "tests.yaml": `tests:\n  - prompt: The quick brown\n    options: {num_predict: 3}\n    assert:\n      - type: equals\n        value: "${expected}"\n`,
  });

test("build runs the prompt tests of what it built: exit 1 on a failed case, 0 once fixed, --no-test skips them", async (t) => {
  const home = tempDir(t);
  const dir = project(" fox jumps under");
  let r = await ms(["build"], home, dir);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, /testing chat:latest: 1 case/);
  assert.match(r.stderr, /FAIL +tests\.yaml#1/);
  assert.match(r.stderr, /output: " fox jumps over"/);
  assert.doesNotMatch(r.stderr, /testing quiet/, "a model without tests is not tested");

  r = await ms(["build", "--no-test"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /testing chat/);

  writeFileSync(path.join(dir, "tests.yaml"), 'tests:\n  - prompt: The quick brown\n    options: {num_predict: 3}\n    assert:\n      - type: equals\n        value: " fox jumps over"\n');
  r = await ms(["build", "--json"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = json<{ ok: boolean; tests: { passed: number; failed: number } }>(r);
  assert.equal(doc.ok, true);
  assert.equal(doc.tests.passed, 1);
  assert.equal(doc.tests.failed, 0);
});

test("build tests every variant it built, once each; test with a name tests its variants, name:tag that one", async (t) => {
  const home = tempDir(t);
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n    quantize: [Q8_0, Q4_0]\n    tags: [stable]\n    tests: tests.yaml\n",
    Modelfile: "FROM testmodel://oracle\n",
    "tests.yaml": 'tests:\n  - prompt: The quick brown\n    options: {num_predict: 3}\n    assert:\n      - {type: equals, value: " fox jumps over"}\n',
  });
  let r = await ms(["build"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(r.stderr.match(/^testing .*$/gm), ["testing chat:q8_0: 1 case", "testing chat:q4_0: 1 case"], "latest and stable name q8_0 again");
  assert.match(r.stderr, /2 cases: 2 passed, 0 failed, 0 errors/);

  r = await ms(["test", "chat", "--reporter", "json"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = json<{ cases: { model: string; cached: boolean }[] }>(r);
  assert.deepEqual(doc.cases.map((c) => [c.model, c.cached]), [["chat:q8_0", true], ["chat:q4_0", true]], "build's results are reused");

  r = await ms(["test", "chat:latest", "--reporter", "json"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(json<{ cases: { model: string }[] }>(r).cases.map((c) => c.model), ["chat:latest"]);
});
