import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasStackTrace, runCli, tempProject } from "../helpers/cli.js";

describe("modelsmith check (subprocess)", () => {
  it("passes on the repo's own example project (the tutorial's three Modelfiles)", async () => {
    const r = await runCli(["check"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /checked 3 models: 0 errors/);
  });

  it("prints every problem across the project file, Modelfiles and named files, then exits 2", async () => {
    const dir = tempProject({
      "modelsmith.yaml": [
        "models:",
        "  chat:",
        "    modelfile: chat/Modelfile",
        "    tests: chat/tests.yaml",
        "  gone:",
        "    modelfile: missing/Modelfile",
        "  json:",
        "    modelfile: json/Modelfile",
        "",
      ].join("\n"),
      "chat/Modelfile": "FROM ./base.gguf\nPARAMETER temprature 0.2\nMESSAGE usr hi\n",
      "chat/tests.yaml": "cases: [\n",
      "json/Modelfile": "FROM x\nFORMAT ./schema.json\nADAPTER ./lora.gguf\n",
      "json/schema.json": "{not json",
    });
    const r = await runCli(["check"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.equal(hasStackTrace(r.stderr), false);
    const codes = [...r.stderr.matchAll(/^(\S+):(\d+):(\d+): error\[(MS\d{4})\]/gm)].map((m) => `${m[1]}:${m[2]} ${m[4]}`);
    assert.deepEqual(codes, [
      "chat/Modelfile:1 MS4006", // ./base.gguf does not exist
      "chat/Modelfile:2 MS2001", // temprature
      "chat/Modelfile:3 MS2008", // role usr
      "chat/tests.yaml:2 MS6001", // unclosed flow sequence
      "modelsmith.yaml:6 MS4006", // missing/Modelfile
      "json/Modelfile:2 MS4008", // schema is not JSON
      "json/Modelfile:3 MS4006", // adapter missing
    ]);
    assert.match(r.stderr, /checked 3 models: 7 errors/);
  });

  it("checks quantization types at their YAML position, with did-you-mean and the imatrix rule", async () => {
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\n    quantize: [q4_k_m, Q4_KM, IQ2_XXS]\n",
      Modelfile: "FROM x\n",
    });
    const r = await runCli(["check"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^modelsmith\.yaml:4:24: error\[MS5501\]: unknown quantization type "Q4_KM"\n.*\n.*\nhint: did you mean `Q4_K`\?$/m);
    assert.match(r.stderr, /^modelsmith\.yaml:4:31: error\[MS5502\]: quantization type IQ2_XXS needs an importance matrix$/m);
    assert.match(r.stderr, /checked 1 model: 2 errors/);
  });

  it("checks FROM references: an alias typo gets a did-you-mean at the FROM value", async () => {
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\naliases:\n  base: testmodel://oracle\n",
      Modelfile: "FROM testmodel://oracel\n",
    });
    const r = await runCli(["check"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^Modelfile:1:18: error\[MS41\d\d\]: .*oracel/m);
  });

  it("validates test files fully: an unknown assertion type gets a did-you-mean at its YAML line", async () => {
    const dir = tempProject({
      "modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
      Modelfile: "FROM x\n",
      "tests.yaml": "tests:\n  - prompt: hi\n    assert:\n      - type: contians\n        value: hi\n",
    });
    const r = await runCli(["check"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^tests\.yaml:4:\d+: error\[MS6\d{3}\]: .*contians/m);
    assert.match(r.stderr, /hint: did you mean `contains`\?/);
  });

  it("a missing compare text is reported at its line in the project file", async () => {
    const dir = tempProject({ "modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\n    compare:\n      text: sample.txt\n", Modelfile: "FROM x\n" });
    const r = await runCli(["check"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^modelsmith\.yaml:5:13: error\[MS4006\]: compare text not found: sample\.txt$/m);
  });

  it("--json gives one document with ok=false and every diagnostic", async () => {
    const dir = tempProject({ "modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\n", Modelfile: "PARAMETER top_p 2\n" });
    const r = await runCli(["check", "--json"], { cwd: dir });
    assert.equal(r.exitCode, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.diagnostics.map((d: { code: string }) => d.code).sort(), ["MS2003", "MS2006"]);
  });

  it("without a project file: exit 2, MS4007 with a hint", async () => {
    const r = await runCli(["check"], { cwd: tempProject({}) });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /error\[MS4007\]: no modelsmith\.yaml in /);
    assert.match(r.stderr, /hint: /);
  });

  it("-C points at another directory", async () => {
    const dir = tempProject({ "p/modelsmith.yaml": "models:\n  a:\n    modelfile: Modelfile\n", "p/Modelfile": "FROM x\n" });
    const r = await runCli(["check", "-C", "p"], { cwd: dir });
    assert.equal(r.exitCode, 0, r.stderr);
  });
});
