import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
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

  it("in a folder with a Modelfile, adopts it: writes only modelsmith.yaml naming it, which then builds", async () => {
    const dir = tempProject({ "My Bot/Modelfile": "FROM testmodel://oracle?eos=true\nPARAMETER num_ctx 256\n" });
    const home = path.join(dir, "home");
    let r = await runCli(["init", "My Bot"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /adopting \.\/Modelfile as model `my-bot`/);
    assert.deepEqual(readdirSync(path.join(dir, "My Bot")).sort(), ["Modelfile", "modelsmith.yaml"]);
    assert.match(readFileSync(path.join(dir, "My Bot/modelsmith.yaml"), "utf8"), /^models:\n  my-bot:\n    modelfile: Modelfile\n/m);
    assert.equal(readFileSync(path.join(dir, "My Bot/Modelfile"), "utf8"), "FROM testmodel://oracle?eos=true\nPARAMETER num_ctx 256\n");
    r = await runCli(["build", "--json"], { cwd: path.join(dir, "My Bot"), env: { MODELSMITH_HOME: home } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { models: { name: string }[] }).models[0]!.name, "registry.ollama.ai/library/my-bot:latest");
    // Once adopted, init refuses as before: the project file exists.
    r = await runCli(["init", "My Bot"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS9005\]/);
    rmSync(dir, { recursive: true, force: true });
  });
});
