import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ORACLE_DEFAULTS } from "../../src/resolve/testmodel-ref.js";
import { oracleContinuation, writeTestModel } from "../../src/testmodels/index.js";
import { LORA_DEFAULT_SAY, oracleLoraContinuation } from "../../src/testmodels/lora.js";
import { runCli, tempProject } from "../helpers/cli.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project with one Modelfile per model; the store lives inside it. */
function project(modelfiles: Record<string, string>): { dir: string; env: Record<string, string> } {
  const yaml = `models:\n${Object.keys(modelfiles).map((m) => `  ${m}:\n    modelfile: ${m}/Modelfile\n`).join("")}`;
  const files = Object.fromEntries(Object.entries(modelfiles).map(([m, text]) => [`${m}/Modelfile`, text]));
  const dir = tempProject({ "modelsmith.yaml": yaml, ...files });
  dirs.push(dir);
  return { dir, env: { MODELSMITH_HOME: path.join(dir, ".store") } };
}

const HEAD = 'FROM testmodel://oracle\nTEMPLATE "{{ .Prompt }}"\nPARAMETER num_predict 10\n';
const ORACLE = { text: ORACLE_DEFAULTS.text, endWithEos: ORACLE_DEFAULTS.eos };

describe("ADAPTER testmodel://lora", () => {
  it("builds offline, and the adapter changes the model's text to the one it was made for", async () => {
    const { dir, env } = project({ plain: HEAD, lazy: `${HEAD}ADAPTER testmodel://lora\n` });
    const build = await runCli(["build", "--offline"], { cwd: dir, env });
    assert.equal(build.exitCode, 0, build.stderr);
    const plain = await runCli(["run", "plain", "The", "-p", "num_thread=1"], { cwd: dir, env, input: "" });
    const lazy = await runCli(["run", "lazy", "The", "-p", "num_thread=1"], { cwd: dir, env, input: "" });
    assert.equal(plain.stdout.trimEnd(), oracleContinuation(ORACLE, "The", 10).rawText.trimEnd(), plain.stderr);
    assert.equal(lazy.stdout.trimEnd(), oracleLoraContinuation(ORACLE, { text: LORA_DEFAULT_SAY }, "The", 10).rawText.trimEnd(), lazy.stderr);
    assert.match(lazy.stdout, /^ lazy fox jumps over the quick brown dog\./);
    const show = await runCli(["show", "lazy", "--modelfile"], { cwd: dir, env });
    assert.match(show.stdout, /^ADAPTER /m);
  });
});

describe("ADAPTER checked at build time (exit 2 at the line, not MS8004 at run)", () => {
  it("a model GGUF on an ADAPTER line is MS5285", async () => {
    const { dir, env } = project({ m: `${HEAD}ADAPTER ./weights.gguf\n` });
    await writeTestModel(path.join(dir, "m/weights.gguf"), { kind: "oracle" });
    const r = await runCli(["build"], { cwd: dir, env });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /^m\/Modelfile:4:9: error\[MS5285\]: ADAPTER \.\/weights\.gguf: not a LoRA adapter: it has no general\.type/m);
    const check = await runCli(["check"], { cwd: dir, env });
    assert.equal(check.exitCode, 2);
    assert.match(check.stderr, /^m\/Modelfile:4:9: error\[MS5285\]/m);
  });

  it("an adapter made for another model is MS5286", async () => {
    const { dir, env } = project({ m: "FROM testmodel://random\nADAPTER testmodel://lora\n" });
    const r = await runCli(["build"], { cwd: dir, env });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /^m\/Modelfile:2:9: error\[MS5286\]: ADAPTER testmodel:\/\/lora: the adapter does not fit the base model: `output\.weight` is \[256, 512\] in the base/m);
  });

  it("an adapter on the FROM line, or a model on the ADAPTER line, is MS4185", async () => {
    const { dir, env } = project({ a: "FROM testmodel://lora\n", b: "FROM testmodel://oracle\nADAPTER testmodel://oracle\n" });
    const r = await runCli(["build"], { cwd: dir, env });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /^a\/Modelfile:1:6: error\[MS4185\]: testmodel:\/\/lora is a LoRA adapter, not a model/m);
    assert.match(r.stderr, /^b\/Modelfile:2:9: error\[MS4185\]: ADAPTER takes a LoRA adapter file, not `testmodel:\/\/oracle`/m);
  });
});
