/**
 * What a build writes for each Modelfile instruction: the layers in Ollama's
 * order with Ollama's bytes (TEMPLATE, SYSTEM, LICENSE as text; PARAMETERs and
 * MESSAGEs as JSON), ADAPTER files as adapter layers (locked like bases),
 * FORMAT as modelsmith's format layer, REQUIRES in the config blob; and a
 * `project://` base pinned by digest is checked against its build.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { LORA_DEFAULT_SAY } from "../../src/testmodels/lora.js";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import { tempProject } from "../helpers/cli.js";
import { blobPath, json, manifestOf, ms, tempDir, type BuiltJson } from "./helpers.js";

const SCHEMA = '{"type":"object","properties":{"name":{"type":"string"}}}\n';

test("every instruction becomes its layer; adapters are locked; REQUIRES goes into the config", async (t) => {
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  base:\n    modelfile: base/Modelfile\n  tuned:\n    modelfile: tuned/Modelfile\n",
    "base/Modelfile": [
      "FROM ../w/base.gguf",
      "ADAPTER ./lora.gguf",
      'TEMPLATE "{{ .System }} {{ .Prompt }}"',
      'SYSTEM "sys"',
      'LICENSE "L1"',
      'LICENSE "L2"',
      "PARAMETER top_k 40",
      "PARAMETER stop a",
      'MESSAGE user "q"',
      'MESSAGE assistant "a"',
      "FORMAT ./schema.json",
      "REQUIRES 0.6.0",
      "",
    ].join("\n"),
    "base/schema.json": SCHEMA,
    "tuned/Modelfile": 'FROM project://base\nPARAMETER top_k 10\nSYSTEM "other"\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "w"));
  // The ADAPTER must fit the base (the build checks it as llama.cpp would): the oracle and its LoRA.
  await writeTestModel(path.join(dir, "w/base.gguf"), { kind: "oracle" });
  await writeTestModel(path.join(dir, "base/lora.gguf"), { kind: "lora", base: {}, lora: { text: LORA_DEFAULT_SAY } });
  const sha = (f: string) => `sha256:${createHash("sha256").update(readFileSync(path.join(dir, f))).digest("hex")}`;
  const home = path.join(tempDir(t), "home");

  const r = await ms(["build", "-C", dir, "--json"], home);
  assert.equal(r.exitCode, 0, r.stderr);
  const base = manifestOf(home, "base", "latest");
  const text = (i: number) => readFileSync(blobPath(home, base.layers[i]!.digest), "utf8");
  assert.deepEqual(
    base.layers.map((l) => l.mediaType.replace("application/vnd.ollama.image.", "")),
    ["model", "adapter", "template", "system", "license", "license", "params", "messages", "application/vnd.modelsmith.format"],
  );
  assert.equal(base.layers[0]!.digest, sha("w/base.gguf"));
  assert.equal(base.layers[1]!.digest, sha("base/lora.gguf"));
  assert.deepEqual([2, 3, 4, 5, 6, 7, 8].map(text), [
    "{{ .System }} {{ .Prompt }}",
    "sys",
    "L1",
    "L2",
    '{"stop":["a"],"top_k":40}\n',
    '[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]\n',
    SCHEMA,
  ]);
  const config = JSON.parse(readFileSync(blobPath(home, (JSON.parse(base.text) as { config: { digest: string } }).config.digest), "utf8")) as Record<string, unknown>;
  assert.equal(config.requires, "0.6.0");
  assert.equal(config.model_family, "llama");
  assert.equal(config.file_type, "F32");

  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  assert.match(lock, new RegExp(`  ./base/lora.gguf:\\n    digest: ${sha("base/lora.gguf")}\\n    locator: ./base/lora.gguf\\n`));
  assert.match(lock, new RegExp(`  ./w/base.gguf:\\n    digest: ${sha("w/base.gguf")}\\n`));

  // tuned inherits everything but what it sets, with `from` on inherited layers.
  const tuned = manifestOf(home, "tuned", "latest");
  assert.deepEqual(
    tuned.layers.map((l) => [l.mediaType.replace("application/vnd.ollama.image.", ""), (l as { from?: string }).from ?? null]),
    [
      ["model", "base:latest"],
      ["adapter", "base:latest"],
      ["template", "base:latest"],
      ["license", "base:latest"],
      ["license", "base:latest"],
      ["messages", "base:latest"],
      ["application/vnd.modelsmith.format", "base:latest"],
      ["system", null],
      ["params", null],
    ],
  );
  assert.equal(readFileSync(blobPath(home, tuned.layers[8]!.digest), "utf8"), '{"stop":["a"],"top_k":10}\n');

  // A project base pinned to the digest its build has builds; any other digest is MS5205 at the FROM line.
  const baseDigest = json<BuiltJson>(r).models.find((m) => m.model === "base")!.manifest;
  writeFileSync(path.join(dir, "tuned/Modelfile"), `FROM project://base@${baseDigest}\n`);
  const pinned = await ms(["build", "-C", dir], home);
  assert.equal(pinned.exitCode, 0, pinned.stderr);
  writeFileSync(path.join(dir, "tuned/Modelfile"), `FROM project://base@sha256:${"1".repeat(64)}\n`);
  const wrong = await ms(["build", "-C", dir], home);
  assert.equal(wrong.exitCode, 2, wrong.stderr);
  assert.match(wrong.stderr, new RegExp(`^${path.relative(process.cwd(), dir)}/tuned/Modelfile:1:6: error\\[MS5205\\]: base:latest is pinned to sha256:1{64}, but its build has manifest digest ${baseDigest}\\n`, "m"));
});
