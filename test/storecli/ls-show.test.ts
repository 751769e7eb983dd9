import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readModelfile, toPlainModelfile } from "../../src/modelfile/index.js";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { LICENSE, MESSAGES, seededStore, SYSTEM, TEMPLATE, type SeededStore } from "./helpers.js";

// Pinned: the oracle GGUF and the layers are deterministic, so are the manifests.
const CODE_ASSISTANT_DIGEST = "sha256:08cfa9aa19bac139a45465a2a6e03639bdeab765b09cd9ebaa427032d215545a";
const JSON_EXTRACTOR_DIGEST = "sha256:d9342ce2a8c00f00b61b82d16620989d0686bae64538968d99a5f02eea7c3dc6";

describe("modelsmith ls and show (subprocess)", () => {
  let s: SeededStore;
  let env: Record<string, string>;
  before(async () => {
    s = await seededStore();
    env = { MODELSMITH_HOME: s.home };
  });
  after(() => s.cleanup());

  it("ls prints NAME, ID, SIZE, MODIFIED like ollama list, sorted by name", async () => {
    const r = await runCli(["ls"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "NAME                     ID              SIZE      MODIFIED");
    assert.match(lines[1]!, /^code-assistant:latest    08cfa9aa19ba    7\.3 MB    (Less than a second|\d+ seconds?) ago$/);
    assert.match(lines[2]!, /^json-extractor:latest    d9342ce2a8c0    7\.3 MB    (Less than a second|\d+ seconds?) ago$/);
    assert.deepEqual(lines.slice(3), [""]);
  });

  it("ls --json: one document with id, digest and the declared size", async () => {
    const r = await runCli(["ls", "--json"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { models: Array<Record<string, unknown>> };
    const { model, configA, template, system, params, messages, license } = s.layers;
    assert.deepEqual(
      doc.models.map(({ modifiedAt, ...m }) => (assert.match(String(modifiedAt), /^\d{4}-\d\d-\d\dT/), m)),
      [
        { name: "code-assistant:latest", fullName: "registry.ollama.ai/library/code-assistant:latest", id: "08cfa9aa19ba", digest: CODE_ASSISTANT_DIGEST, size: [model, configA, template, system, params, messages, license].reduce((n, l) => n + l.size, 0) },
        { name: "json-extractor:latest", fullName: "registry.ollama.ai/library/json-extractor:latest", id: "d9342ce2a8c0", digest: JSON_EXTRACTOR_DIGEST, size: model.size + s.layers.configB.size + s.layers.systemB.size + s.layers.paramsB.size },
      ],
    );
  });

  it("ls on an empty or missing store prints only the header", async () => {
    const r = await runCli(["ls"], { env: { MODELSMITH_HOME: `${s.dir}/nothing-here` } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "NAME    ID    SIZE    MODIFIED\n");
  });

  it("show prints the model facts, parameters, system, license, messages and layers", async () => {
    const r = await runCli(["show", "code-assistant"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    const l = s.layers;
    assert.equal(
      r.stdout,
      [
        "  Model",
        "    architecture        llama",
        "    parameters          1.83M",
        "    context length      2048",
        "    embedding length    512",
        "    quantization        F32",
        "",
        "  Parameters",
        "    num_ctx        4096",
        '    stop           "<|end|>"',
        '    stop           "<|user|>"',
        "    temperature    0.2",
        "",
        "  System",
        "    You are a senior software engineer.",
        "    Answer with code first.",
        "    ...",
        "",
        "  License",
        "    MIT License",
        "    Copyright (c) modelsmith tests",
        "",
        "  Messages",
        "    user         What is 2+2?",
        "    assistant    4",
        "",
        "  Layers",
        `    config      ${l.configA.digest}    633 B`,
        `    model       ${l.model.digest}    7.3 MB`,
        `    template    ${l.template.digest}    101 B`,
        `    system      ${l.system.digest}    74 B`,
        `    license     ${l.license.digest}    43 B`,
        `    params      ${l.params.digest}    85 B`,
        `    messages    ${l.messages.digest}    78 B`,
        "",
        "",
      ].join("\n"),
    );
  });

  it("show --json: facts from the GGUF header (family, context length, file type name) and every layer", async () => {
    const r = await runCli(["show", "code-assistant", "--json"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(doc.model, { architecture: "llama", parameterCount: 1_828_352, parameterSize: "1.83M", quantization: "F32", contextLength: 2048, embeddingLength: 512, fileType: 0 });
    assert.equal(doc.name, "code-assistant:latest");
    assert.equal(doc.digest, CODE_ASSISTANT_DIGEST);
    assert.equal(doc.id, "08cfa9aa19ba");
    assert.equal(doc.template, TEMPLATE);
    assert.equal(doc.system, SYSTEM);
    assert.deepEqual(doc.parameters, { num_ctx: 4096, stop: ["<|end|>", "<|user|>"], temperature: 0.2 });
    assert.deepEqual(doc.messages, MESSAGES);
    assert.deepEqual(doc.license, [LICENSE]);
    assert.deepEqual((doc.config as Record<string, unknown>).modelFamily, "llama");
    assert.deepEqual((doc.layers as Array<{ kind: string; digest: string }>).map((x) => `${x.kind} ${x.digest}`), [
      `config ${s.layers.configA.digest}`,
      `model ${s.layers.model.digest}`,
      `template ${s.layers.template.digest}`,
      `system ${s.layers.system.digest}`,
      `license ${s.layers.license.digest}`,
      `params ${s.layers.params.digest}`,
      `messages ${s.layers.messages.digest}`,
    ]);
    assert.equal(typeof doc.modelfile, "string");
  });

  it("show --modelfile prints a Modelfile that parses back to the same model (FROM the model blob)", async () => {
    const r = await runCli(["show", "code-assistant", "--modelfile"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    const blob = s.store.blobPath(s.layers.model.digest);
    assert.ok(r.stdout.startsWith(`# Modelfile generated by "modelsmith show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM code-assistant:latest\n\nFROM ${blob}\n`), r.stdout);
    const parsed = readModelfile(r.stdout, "Modelfile");
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(toPlainModelfile(parsed.modelfile), {
      from: blob,
      adapters: [],
      template: TEMPLATE,
      system: SYSTEM,
      parameters: { num_ctx: 4096, stop: ["<|end|>", "<|user|>"], temperature: 0.2 },
      messages: MESSAGES,
      license: [LICENSE],
    });
  });

  it("show --template / --system / --license / --parameters print only that part", async () => {
    const t = await runCli(["show", "code-assistant", "--template"], { env });
    assert.equal(t.stdout, TEMPLATE); // already ends with a newline
    const sys = await runCli(["show", "code-assistant", "--system"], { env });
    assert.equal(sys.stdout, `${SYSTEM}\n`);
    const lic = await runCli(["show", "code-assistant", "--license"], { env });
    assert.equal(lic.stdout, `${LICENSE}\n`);
    const p = await runCli(["show", "json-extractor", "--parameters"], { env });
    assert.equal(p.stdout, `${"temperature".padEnd(30)} 0\n`);
    const none = await runCli(["show", "json-extractor", "--template"], { env });
    assert.deepEqual([none.exitCode, none.stdout], [0, ""]);
    const both = await runCli(["show", "json-extractor", "--template", "--system"], { env });
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /error\[MS9001\]: Arguments template and system are mutually exclusive/);
  });

  it("an unknown model exits 2 with a did-you-mean over the stored names, without a stack", async () => {
    const r = await runCli(["show", "code-asistant"], { env });
    assert.equal(r.exitCode, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "error[MS5102]: model code-asistant:latest not found in the store\nhint: did you mean `code-assistant:latest`?\n");
    const j = await runCli(["show", "json-extractr:latest", "--json"], { env });
    assert.equal(j.exitCode, 2);
    assert.deepEqual(JSON.parse(j.stdout).diagnostics, [
      { code: "MS5102", severity: "error", message: "model json-extractr:latest not found in the store", hint: "did you mean `json-extractor:latest`?" },
    ]);
    const bad = await runCli(["show", "-bad"], { env });
    assert.equal(bad.exitCode, 2);
    assert.equal(hasStackTrace(bad.stderr), false);
  });

  it("an invalid model name exits 2 with MS5101", async () => {
    const r = await runCli(["show", "a//b"], { env });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /^error\[MS5101\]: invalid model name "a\/\/b": the namespace is empty/);
  });
});
