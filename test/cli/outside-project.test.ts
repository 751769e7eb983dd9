/**
 * FORMAT, ADAPTER and `modelfile:` paths outside the project directory get a
 * warning (MS4092) from `check` and `build`: their content ends up in the
 * built (and pushed) artifact. Inside the project, nothing is said.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const SCHEMA = JSON.stringify({ type: "object", properties: { name: { type: "string" } } });

function cli(root: string, ...args: string[]) {
  return runCli(args, { cwd: path.join(root, "project"), env: { MODELSMITH_HOME: path.join(root, "home") }, input: "", timeoutMs: 120_000 });
}

describe("files from outside the project", () => {
  it("a modelfile: and a FORMAT outside the project warn in check and build, which still succeed", async () => {
    const root = tempProject({
      "project/modelsmith.yaml": "models:\n  m:\n    modelfile: ../shared/Modelfile\n",
      "shared/Modelfile": "FROM testmodel://oracle\nFORMAT ../secret/schema.json\n",
      "secret/schema.json": SCHEMA,
    });
    for (const args of [["check"], ["build", "--no-test"]]) {
      const r = await cli(root, ...args);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, /^modelsmith\.yaml:3:16: warning\[MS4092\]: the Modelfile \.\.\/shared\/Modelfile is outside the project directory$/m, r.stderr);
      assert.match(r.stderr, /^\.\.\/shared\/Modelfile:2:8: warning\[MS4092\]: FORMAT \.\.\/secret\/schema\.json is outside the project directory$/m, r.stderr);
    }
  });

  it("an ADAPTER given by an absolute path elsewhere warns in check", async () => {
    const root = tempProject({ "project/modelsmith.yaml": "models:\n  m:\n    modelfile: Modelfile\n", "elsewhere/lora.gguf": "GGUF" });
    const adapter = path.join(root, "elsewhere", "lora.gguf");
    writeFileSync(path.join(root, "project", "Modelfile"), `FROM testmodel://oracle\nADAPTER ${adapter}\n`);
    const r = await cli(root, "check");
    assert.match(r.stderr, new RegExp(`^Modelfile:2:9: warning\\[MS4092\\]: ADAPTER ${adapter.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is outside the project directory$`, "m"), r.stderr);
  });

  it("files inside the project give no warning", async () => {
    const root = tempProject({
      "project/modelsmith.yaml": "models:\n  m:\n    modelfile: models/Modelfile\n",
      "project/models/Modelfile": "FROM testmodel://oracle\nFORMAT ../schemas/s.json\n",
      "project/schemas/s.json": SCHEMA,
    });
    const r = await cli(root, "check");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MS4092/);
  });
});
