import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import { InputError } from "../../src/diagnostics/index.js";
import { runProjectTests, storeName } from "../../src/eval/index.js";
import { requireProject } from "../../src/project/load.js";
import { tempProject } from "../helpers/cli.js";

const neverOpen = async (): Promise<never> => {
  throw new Error("no model may be opened when test files are invalid");
};

describe("runProjectTests: validation before any model loads", () => {
  it("reports a file listed under another model (MS6015) and a missing test file (MS4006) at the project file", async () => {
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  fox:\n    modelfile: M\n    tests: [a.yaml, missing.yaml]\n  dog:\n    modelfile: M\n    tests: a.yaml\ndefaults:\n  namespace: acme\n",
      M: "FROM testmodel://oracle\n",
      "a.yaml": "model: dog\ntests: [{prompt: p, assert: [{type: is-json}]}]\n",
    });
    try {
      const project = await requireProject(dir);
      const err = await runProjectTests(project, { models: [], storeRoot: dir, open: neverOpen, display: (a) => a.slice(dir.length + 1), sources: new Map() }).catch((e: unknown) => e);
      assert.ok(err instanceof InputError);
      assert.deepEqual(
        err.diagnostics.map((d) => [d.code, d.file, d.range?.start.line, d.range?.start.column, d.message]),
        [
          ["MS6015", "modelsmith.yaml", 4, 13, "a.yaml tests `dog` but is listed under `fox`"],
          ["MS4006", "modelsmith.yaml", 4, 21, "test file not found: missing.yaml"],
        ],
      );
      assert.equal(storeName(project, { model: project.models[0]!, tag: "q8_0" }), "acme/fox:q8_0");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runProjectTests: a model whose every case is cached is not loaded", () => {
  it("grades from the cache with the runtime's describeModel, never calling open", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { runCli } = await import("../helpers/cli.js");
    const { describeModel } = await import("../../src/runtime/describe-model.js");
    const home = mkdtempSync(path.join(tmpdir(), "modelsmith-eval-home-"));
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  fox:\n    modelfile: M\n    tests: a.yaml\n",
      M: "FROM testmodel://oracle\n",
      "a.yaml": "tests:\n  - prompt: The quick brown\n    options: {num_predict: 2}\n    assert: [{type: equals, value: \" fox jumps\"}]\n",
    });
    try {
      // A real build runs the case once and caches its generation.
      const built = await runCli(["build"], { cwd: dir, env: { MODELSMITH_HOME: home } });
      assert.equal(built.exitCode, 0, built.stderr);
      const project = await requireProject(dir);
      const opened: string[] = [];
      const results = await runProjectTests(project, {
        models: [],
        storeRoot: home,
        open: async (_root, name) => {
          opened.push(name);
          throw new Error("the model must not be loaded: every case is cached");
        },
        describe: (root, name) => describeModel(root, name),
        display: (a) => a,
        sources: new Map(),
      });
      assert.deepEqual(opened, []);
      assert.deepEqual(results.map((r) => [r.status, r.cached, r.runs[0]?.text]), [["pass", true, " fox jumps"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
