import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fromRoot } from "../helpers/paths.js";
import { runCli, tempProject } from "../helpers/cli.js";

describe("modelsmith init (subprocess)", () => {
  it("scaffolds the basic template, which then checks clean", async () => {
    const dir = tempProject({});
    let r = await runCli(["init", "proj"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(readFileSync(path.join(dir, "proj/Modelfile"), "utf8"), readFileSync(fromRoot("templates/basic/Modelfile"), "utf8"));
    r = await runCli(["check", "-C", "proj"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
  });

  it("never overwrites: exit 2, MS9005, the existing file unchanged", async () => {
    const dir = tempProject({ "modelsmith.yaml": "models: {}\n" });
    const r = await runCli(["init"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS9005\]: modelsmith\.yaml already exists/);
    assert.equal(readFileSync(path.join(dir, "modelsmith.yaml"), "utf8"), "models: {}\n");
  });

  it("an unknown template is exit 2 with did-you-mean", async () => {
    const r = await runCli(["init", "--template", "basci"], { cwd: tempProject({}) });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS9004\]: unknown template `basci`\nhint: did you mean `basic`\?/);
  });
});
