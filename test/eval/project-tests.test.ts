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
