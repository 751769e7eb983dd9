import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { getLlama, LlamaCompletion } from "node-llama-cpp";
import { plainValue, readGgufFile } from "../../src/gguf/index.js";
import { LAYER_MEDIA_TYPES, makeManifest, Store } from "../../src/store/index.js";
import { oracleContinuation } from "../../src/testmodels/index.js";
import { runCli } from "../helpers/cli.js";
import { LICENSE, MESSAGES, ORACLE, PARAMS, seededStore, SYSTEM, TEMPLATE, type SeededStore } from "./helpers.js";

describe("modelsmith export (subprocess)", () => {
  let s: SeededStore;
  let env: Record<string, string>;
  before(async () => {
    s = await seededStore();
    env = { MODELSMITH_HOME: s.home };
  });
  after(() => s.cleanup());

  it("--gguf writes one GGUF: the blob's metadata, then the Ollama layers under modelsmith.*, and the same tensor bytes", async () => {
    const out = path.join(s.dir, "code-assistant.gguf");
    const r = await runCli(["export", "code-assistant", "--gguf", out], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `wrote ${out} (7.3 MB)\n`);
    const src = await readGgufFile(s.ggufFile);
    const exp = await readGgufFile(out);
    const srcKeys = [...src.metadata.keys()];
    assert.deepEqual([...exp.metadata.keys()], [
      ...srcKeys,
      "modelsmith.name",
      "modelsmith.manifest_digest",
      "modelsmith.template",
      "modelsmith.system",
      "modelsmith.parameters",
      "modelsmith.messages",
      "modelsmith.license",
    ]);
    for (const k of srcKeys) assert.deepEqual(exp.metadata.get(k), src.metadata.get(k), k);
    const v = (k: string) => plainValue(exp.metadata.get(k)!.value);
    assert.equal(v("modelsmith.name"), "code-assistant:latest");
    assert.equal(v("modelsmith.manifest_digest"), "sha256:08cfa9aa19bac139a45465a2a6e03639bdeab765b09cd9ebaa427032d215545a");
    assert.equal(v("modelsmith.template"), TEMPLATE);
    assert.equal(v("modelsmith.system"), SYSTEM);
    // Exactly the params layer's JSON: Go's encoding, which escapes < and > in strings.
    assert.equal(v("modelsmith.parameters"), '{"num_ctx":4096,"stop":["\\u003c|end|\\u003e","\\u003c|user|\\u003e"],"temperature":0.2}');
    assert.deepEqual(JSON.parse(String(v("modelsmith.parameters"))), PARAMS);
    assert.equal(v("modelsmith.messages"), JSON.stringify(MESSAGES));
    assert.deepEqual(v("modelsmith.license"), [LICENSE]);
    assert.deepEqual(
      exp.tensors.map(({ name, dims, type, offset, size }) => ({ name, dims, type, offset, size })),
      src.tensors.map(({ name, dims, type, offset, size }) => ({ name, dims, type, offset, size })),
    );
    const [a, b] = await Promise.all([readFile(s.ggufFile), readFile(out)]);
    assert.ok(a.subarray(src.dataOffset).equals(b.subarray(exp.dataOffset)), "tensor data is byte for byte the blob's");
  });

  it("--gguf of a model whose GGUF already holds modelsmith.* keys replaces them instead of doubling them", async () => {
    const first = path.join(s.dir, "code-assistant.gguf");
    const blob = await s.store.ingestFile(first, { methods: ["copy"] });
    const system = await s.store.putLayer(LAYER_MEDIA_TYPES.system, "Be brief.");
    await s.store.writeManifest("re-export", makeManifest(s.layers.configB, [{ mediaType: LAYER_MEDIA_TYPES.model, digest: blob.digest, size: blob.size }, system]));
    const out = path.join(s.dir, "re-export.gguf");
    const r = await runCli(["export", "re-export", "--gguf", out, "--json"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).keys, ["modelsmith.name", "modelsmith.manifest_digest", "modelsmith.system"]);
    const exp = await readGgufFile(out);
    const srcKeys = [...(await readGgufFile(s.ggufFile)).metadata.keys()];
    assert.deepEqual([...exp.metadata.keys()], [...srcKeys, "modelsmith.name", "modelsmith.manifest_digest", "modelsmith.system"]);
    assert.equal(plainValue(exp.metadata.get("modelsmith.system")!.value), "Be brief.");
  });

  it("the exported GGUF loads in node-llama-cpp and generates the oracle's known text", async () => {
    const out = path.join(s.dir, "code-assistant.gguf");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
    try {
      const model = await llama.loadModel({ modelPath: out });
      // One thread: llama.cpp's default pool is ~100x slower on a busy 2-core machine.
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      try {
        const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
        const text = await completion.generateCompletion("The quick brown", { maxTokens: 10, temperature: 0 });
        assert.equal(text, oracleContinuation(ORACLE, "The quick brown", 10).text);
        assert.equal(text, "fox jumps over the lazy dog.");
      } finally {
        await context.dispose();
        await model.dispose();
      }
    } finally {
      await llama.dispose();
    }
  });

  it("--ollama writes Ollama's layout: hardlinked blobs and the manifest byte for byte", async () => {
    const dir = path.join(s.dir, "ollama-models");
    const r = await runCli(["export", "code-assistant", "--ollama", dir], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `exported code-assistant:latest to ${dir} (7 blobs: 7 hardlinked)\n`);
    const manifest = path.join(dir, "manifests", "registry.ollama.ai", "library", "code-assistant", "latest");
    const stored = await s.store.readManifest("code-assistant");
    assert.ok((await readFile(manifest)).equals(await readFile(stored.path)));
    for (const l of [stored.manifest.config, ...stored.manifest.layers]) {
      const [mine, theirs] = await Promise.all([stat(s.store.blobPath(l.digest)), stat(path.join(dir, "blobs", l.digest.replace(":", "-")))]);
      assert.equal(theirs.ino, mine.ino, `${l.digest} is a hardlink`);
    }
    const target = new Store(dir);
    const check = await target.verify();
    assert.deepEqual([check.checkedBlobs, check.problems, check.manifestProblems], [7, [], []]);
    const ls = await runCli(["ls", "--json"], { env: { MODELSMITH_HOME: dir } });
    assert.deepEqual(JSON.parse(ls.stdout).models.map((m: { name: string; digest: string }) => [m.name, m.digest]), [["code-assistant:latest", stored.digest]]);
    // Again: everything is already there.
    const again = await runCli(["export", "code-assistant", "--ollama", dir, "--json"], { env });
    const doc = JSON.parse(again.stdout) as { blobs: Array<{ method: string }>; digest: string };
    assert.deepEqual([...new Set(doc.blobs.map((b) => b.method))], ["hardlink"]);
    assert.equal(doc.digest, stored.digest);
  });

  it("--ollama without a directory uses $OLLAMA_MODELS, else ~/.ollama/models", async () => {
    const models = path.join(s.dir, "from-env");
    const r = await runCli(["export", "json-extractor", "--ollama"], { env: { ...env, OLLAMA_MODELS: models } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok((await stat(path.join(models, "manifests", "registry.ollama.ai", "library", "json-extractor", "latest"))).isFile());
    const home = path.join(s.dir, "home-dir");
    const h = await runCli(["export", "json-extractor", "--ollama"], { env: { ...env, HOME: home, OLLAMA_MODELS: "" } });
    assert.equal(h.exitCode, 0, h.stderr);
    assert.ok((await stat(path.join(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "json-extractor", "latest"))).isFile());
  });

  it("needs exactly one destination (MS5322), refuses adapters in one GGUF (MS5320), unknown models (MS5102)", async () => {
    const none = await runCli(["export", "code-assistant"], { env });
    assert.deepEqual([none.exitCode, none.stderr], [2, "error[MS5322]: export needs a destination\nhint: pass --ollama [dir] or --gguf <file>\n"]);
    const both = await runCli(["export", "code-assistant", "--ollama", "x", "--gguf", "y.gguf"], { env });
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /^error\[MS5322\]: export takes one destination, not both --ollama and --gguf/);

    const adapter = await s.store.putLayer(LAYER_MEDIA_TYPES.adapter, "not really a LoRA");
    await s.store.writeManifest("with-lora", makeManifest(s.layers.configB, [s.layers.model, adapter]));
    const lora = await runCli(["export", "with-lora", "--gguf", path.join(s.dir, "lora.gguf")], { env });
    assert.equal(lora.exitCode, 2);
    assert.equal(lora.stderr, "error[MS5320]: model with-lora:latest has 1 ADAPTER layer(s), which one GGUF file cannot hold\nhint: export it with --ollama instead, which keeps every layer\n");

    const unknown = await runCli(["export", "code-asistant", "--gguf", path.join(s.dir, "x.gguf")], { env });
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /error\[MS5102\].*\nhint: did you mean `code-assistant:latest`\?/);

    const unwritable = await runCli(["export", "code-assistant", "--gguf", path.join(s.dir, "no", "such", "dir", "x.gguf")], { env });
    assert.equal(unwritable.exitCode, 3);
    assert.match(unwritable.stderr, /^error\[MS5321\]: cannot write .*x\.gguf: ENOENT/);
  });
});
