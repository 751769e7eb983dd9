/**
 * `modelsmith create NAME [-f Modelfile] [-q TYPE]`, Ollama's create, as a
 * subprocess: no project file, the same store and manifest digest as `build`,
 * paths relative to the Modelfile, FROM a model stored earlier. Ollama's
 * flags: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/cmd/cmd.go#L2323-L2324
 * (`-f` defaults to `Modelfile`: getModelfileName, cmd.go#L221).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { oracleContinuation } from "../../src/testmodels/index.js";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import { runCli } from "../helpers/cli.js";
import { json, manifestOf, ms, tempDir, type BuiltJson } from "./helpers.js";

const ORACLE = ["FROM testmodel://oracle?eos=true", 'TEMPLATE "{{ .Prompt }}"', "PARAMETER temperature 0", "PARAMETER num_ctx 256", ""].join("\n");
/** `run` reads a piped stdin as part of the prompt: give it an empty one. */
const runModel = (home: string, name: string, prompt: string) => runCli(["run", name, prompt], { env: { MODELSMITH_HOME: home }, input: "" });
const SHAPE = { nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 128 };

interface CreatedJson {
  ok: boolean;
  name: string;
  manifest: string;
  stepsRun: number;
}

test("create then run: the oracle's known text, ending by itself; no project file, no models.lock", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  writeFileSync(path.join(dir, "Modelfile"), ORACLE);
  const r = await ms(["create", "sophia"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, /^built sophia:latest sha256:[0-9a-f]{64}$/m);
  assert.doesNotMatch(r.stderr, /models\.lock/);
  assert.ok(!existsSync(path.join(dir, "models.lock")));
  assert.ok(!existsSync(path.join(dir, "modelsmith.yaml")));

  const expected = oracleContinuation({ endWithEos: true }, "The quick brown", 200);
  assert.ok(expected.stopped, "the oracle with eos=true ends its sentence with EOS");
  const run = await runModel(home, "sophia", "The quick brown");
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stdout, `${expected.rawText}\n`);
});

test("create and a project build of the same Modelfile give the same manifest digest, in one store or two", async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, "Modelfile"), `${ORACLE}SYSTEM "You are Sophia."\n`);
  const created = await ms(["create", "sophia", "--json"], path.join(dir, "home-a"), dir);
  assert.equal(created.exitCode, 0, created.stderr);
  const c = json<CreatedJson>(created);
  assert.equal(c.name, "registry.ollama.ai/library/sophia:latest");

  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  sophia:\n    modelfile: Modelfile\n");
  for (const home of ["home-a", "home-b"]) {
    const built = await ms(["build", "--json"], path.join(dir, home), dir);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.equal(json<BuiltJson>(built).models[0]!.manifest, c.manifest, home);
  }
  // And the bytes on disk are the ones whose digest both report.
  const text = manifestOf(path.join(dir, "home-b"), "sophia", "latest").text;
  const { createHash } = await import("node:crypto");
  assert.equal(`sha256:${createHash("sha256").update(text).digest("hex")}`, c.manifest);
});

test("create -q TYPE quantizes, and matches a project build with that quantize type; the name may carry a namespace and tag", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  mkdirSync(path.join(dir, "m"));
  await writeTestModel(path.join(dir, "m/w.gguf"), { kind: "random", name: "random", seed: 3, tensorType: "F32", ...SHAPE });
  writeFileSync(path.join(dir, "m/Modelfile"), "FROM ./w.gguf\nPARAMETER num_ctx 128\n");
  // -f is relative to the working directory; FROM ./w.gguf to the Modelfile.
  const created = await ms(["create", "team/tiny:small", "-f", "m/Modelfile", "-q", "q8_0", "--json"], home, dir);
  assert.equal(created.exitCode, 0, created.stderr);
  const c = json<CreatedJson>(created);
  assert.equal(c.name, "registry.ollama.ai/team/tiny:small");
  assert.ok(existsSync(path.join(home, "manifests/registry.ollama.ai/team/tiny/small")));
  assert.ok(!existsSync(path.join(home, "manifests/registry.ollama.ai/team/tiny/latest")), "create writes NAME alone, not a variant tag");

  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  tiny:\n    modelfile: m/Modelfile\n    quantize: Q8_0\n");
  const built = await ms(["build", "--json"], home, dir);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.equal(json<BuiltJson>(built).models.find((m) => m.tag === "q8_0")!.manifest, c.manifest);
  assert.equal(json<BuiltJson>(built).stepsRun, 0, "create's steps are the build's (names are in no key): the build only writes its names");
});

test("FROM a model created earlier: the stored model, offline, its layers inherited as Ollama's create does", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  writeFileSync(path.join(dir, "Modelfile"), `${ORACLE}SYSTEM "base system"\n`);
  assert.equal((await ms(["create", "sophia"], home, dir)).exitCode, 0);
  writeFileSync(path.join(dir, "Derived"), 'FROM sophia\nSYSTEM "You are a pirate."\n');
  // --offline: the name must come from the store, never the Ollama library.
  const r = await ms(["create", "pirate", "-f", "Derived", "--offline"], home, dir);
  assert.equal(r.exitCode, 0, r.stderr);
  const base = manifestOf(home, "sophia", "latest").layers;
  const derived = manifestOf(home, "pirate", "latest").layers as { mediaType: string; digest: string; from?: string }[];
  assert.equal(derived[0]!.digest, base[0]!.digest, "the same weights");
  assert.deepEqual(
    derived.slice(0, 3).map((l) => [l.mediaType.replace("application/vnd.ollama.image.", ""), l.from ?? null]),
    [["model", "sophia:latest"], ["template", "sophia:latest"], ["system", null]],
  );
  assert.equal(readFileSync(path.join(home, "blobs", derived.find((l) => l.mediaType.endsWith(".params"))!.digest.replace(":", "-")), "utf8"), '{"num_ctx":256,"temperature":0}\n');
  const expected = oracleContinuation({ endWithEos: true }, "The quick", 200);
  const run = await runModel(home, "pirate", "The quick");
  assert.equal(run.stdout, `${expected.rawText}\n`, run.stderr);

  // A name the store does not hold, offline: refused as a network source (exit 3), not a bug.
  writeFileSync(path.join(dir, "Other"), "FROM nosuchmodel\n");
  const missing = await ms(["create", "x", "-f", "Other", "--offline"], home, dir);
  assert.equal(missing.exitCode, 3, missing.stderr);
  assert.match(missing.stderr, /error\[MS5203\]/);
});

test("create's bad input: no Modelfile (MS5270), an unknown --quantize type, an invalid name: exit 2, nothing built", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  const none = await ms(["create", "sophia"], home, dir);
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /^error\[MS5270\]: no Modelfile at Modelfile\n/);
  writeFileSync(path.join(dir, "Modelfile"), ORACLE);
  const badType = await ms(["create", "sophia", "-q", "q4_k_n"], home, dir);
  assert.equal(badType.exitCode, 2);
  assert.match(badType.stderr, /error\[MS5501\]: --quantize: unknown quantization type "q4_k_n"\nhint: did you mean `Q4_K_M`\?/i);
  const badName = await ms(["create", "Bad Name!"], home, dir);
  assert.equal(badName.exitCode, 2);
  assert.match(badName.stderr, /error\[MS5101\]: invalid model name/);
  assert.ok(!existsSync(path.join(home, "manifests")));
});

test("build, test and check find modelsmith.yaml in the nearest parent folder; -C into a subfolder too", async (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  mkdirSync(path.join(dir, "models/chat"), { recursive: true });
  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  chat:\n    modelfile: models/chat/Modelfile\n");
  writeFileSync(path.join(dir, "models/chat/Modelfile"), ORACLE);
  const sub = path.join(dir, "models/chat");
  const built = await ms(["build", "--json"], home, sub);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.deepEqual(json<BuiltJson>(built).models.map((m) => m.name), ["registry.ollama.ai/library/chat:latest"]);
  assert.ok(existsSync(path.join(dir, "models.lock")), "models.lock is written beside modelsmith.yaml");
  assert.ok(!existsSync(path.join(sub, "models.lock")));
  const check = await ms(["check"], home, sub);
  assert.equal(check.exitCode, 0, check.stderr);
  const viaC = await ms(["build", "-C", "models", "--frozen"], home, dir);
  assert.equal(viaC.exitCode, 0, viaC.stderr);
  // Outside any project: MS4007 says where it looked.
  const outside = await runCli(["build"], { cwd: path.join(dir, ".."), env: { MODELSMITH_HOME: home } });
  if (!existsSync(path.join(dir, "..", "modelsmith.yaml"))) {
    assert.equal(outside.exitCode, 2);
    assert.match(outside.stderr, /error\[MS4007\]: no modelsmith\.yaml in .* or any folder above it/);
  }
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8").includes("chat:"), true);
});

test("FROM a bare name that is a file beside the Modelfile is that file (Ollama checks the file first), in create, build and check", async (t) => {
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/parser/parser.go#L67-L75
  const dir = tempDir(t);
  const home = path.join(dir, "home");
  mkdirSync(path.join(dir, "m"));
  await writeTestModel(path.join(dir, "m/sophia-f32.gguf"), { kind: "random", name: "random", seed: 5, tensorType: "F32", ...SHAPE });
  writeFileSync(path.join(dir, "m/Modelfile"), "FROM sophia-f32.gguf\n");
  const created = await ms(["create", "sophia", "-f", "m/Modelfile", "--json"], home, dir);
  assert.equal(created.exitCode, 0, created.stderr);
  const { createHash } = await import("node:crypto");
  const sha = `sha256:${createHash("sha256").update(readFileSync(path.join(dir, "m/sophia-f32.gguf"))).digest("hex")}`;
  assert.equal(manifestOf(home, "sophia", "latest").layers[0]!.digest, sha);

  writeFileSync(path.join(dir, "modelsmith.yaml"), "models:\n  sophia:\n    modelfile: m/Modelfile\n");
  assert.equal((await ms(["check"], home, dir)).exitCode, 0);
  const built = await ms(["build", "--json"], home, dir);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.equal(json<BuiltJson>(built).models[0]!.manifest, json<CreatedJson>(created).manifest);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), /\.\/m\/sophia-f32\.gguf:/);

  // No such file: still a name, and `x.gguf` as a name is MS4115 with its hint.
  writeFileSync(path.join(dir, "m/Modelfile"), "FROM missing.gguf\n");
  const missing = await ms(["check"], home, dir);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /error\[MS4115\]/);
});
