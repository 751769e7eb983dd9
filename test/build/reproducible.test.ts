/**
 * The same project gives the same bytes: two copies, two stores, -j 1 and
 * -j 2 write byte-identical models.lock files and identical manifests, whose
 * digests are pinned here. A second build of an unchanged project runs no
 * step, and the Q8_0 variant of the oracle generates the oracle's text
 * through node-llama-cpp.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { getLlama, LlamaCompletion, type Llama } from "node-llama-cpp";
import { oracleContinuation } from "../../src/testmodels/oracleContinuation.js";
import { blobPath, fixtureCopy, json, manifestOf, ms, tempDir, type BuiltJson } from "./helpers.js";

/** The tiny fixture's manifests; they move only when the store's encoding, the generators or llama.cpp's quantization change. */
const PINNED = {
  "chat:latest": "sha256:785e91432d00d0194faadfc7f2bd105ae4ae6a7e5bfa87d8609969f12b57322a",
  "chat:q4_k_m": "sha256:d5d4a4582f5ddbe624c7f42b9c602add33daeb9c0d70d259f118eac7414e908c",
  "chat:q8_0": "sha256:785e91432d00d0194faadfc7f2bd105ae4ae6a7e5bfa87d8609969f12b57322a",
  "helper:latest": "sha256:5accb0d01c75da2915dfd4e3898cf8772087f8f61918c6d059660e4e4c37738d",
};

let llama: Llama;
before(async () => {
  llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
});
after(async () => {
  await llama.dispose();
});

test("two builds of one project in two places give the same lock and manifests", async (t) => {
  const runs = [];
  for (const jobs of ["1", "2"]) {
    const dir = fixtureCopy(t, "tiny");
    const home = path.join(tempDir(t), "home");
    const r = await ms(["build", "-C", dir, "-j", jobs, "--json"], home);
    assert.equal(r.exitCode, 0, r.stderr);
    runs.push({ dir, home, out: json<BuiltJson>(r), lock: readFileSync(path.join(dir, "models.lock"), "utf8") });
  }
  const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.equal(a.lock, b.lock);
  const digests = Object.fromEntries(a.out.models.map((m) => [`${m.model}:${m.tag}`, m.manifest]));
  assert.deepEqual(digests, PINNED);
  assert.deepEqual(b.out.models, a.out.models);
  for (const key of Object.keys(PINNED)) {
    const [model, tag] = key.split(":") as [string, string];
    assert.equal(manifestOf(a.home, model, tag).text, manifestOf(b.home, model, tag).text);
  }
  // The lock records each variant's inputs and manifest.
  for (const m of a.out.models) assert.ok(a.lock.includes(`    ${m.tag}:\n      inputs: ${m.inputs}\n      manifest: ${m.manifest}\n`), `${m.model}:${m.tag} in the lock`);

  // Nothing changed: nothing runs, nothing is written.
  const again = await ms(["build", "-C", a.dir, "--json"], a.home);
  assert.equal(again.exitCode, 0, again.stderr);
  const steps = (r: BuiltJson) => (r as BuiltJson & { steps: { step: string; source: string }[] }).steps;
  assert.deepEqual({ ...json<BuiltJson>(again), store: undefined, steps: undefined }, { ...a.out, store: undefined, steps: undefined, lockWritten: false, stepsRun: 0 });
  // Each step says where its result came from: computed the first time, the local step cache now.
  assert.ok(steps(a.out).every((s) => s.source === "computed"));
  assert.deepEqual(steps(json<BuiltJson>(again)).map((s) => [s.step, s.source]), steps(a.out).map((s) => [s.step, "local"]));

  // helper inherits chat:q8_0's model and license, replaces its system prompt, merges parameters.
  const helper = manifestOf(a.home, "helper", "latest");
  assert.deepEqual(
    helper.layers.map((l) => l.mediaType.split(".").pop()),
    ["model", "license", "system", "params", "messages", "format"],
  );
  assert.equal(helper.layers[0]!.digest, manifestOf(a.home, "chat", "q8_0").layers[0]!.digest);
  const params = JSON.parse(readFileSync(blobPath(a.home, helper.layers[3]!.digest), "utf8")) as unknown;
  assert.deepEqual(params, { num_ctx: 256, stop: ["<end>", "###"], temperature: 0 });
});

test("the Q8_0 variant loads in node-llama-cpp and recites the oracle's text", async (t) => {
  const dir = fixtureCopy(t, "tiny");
  const home = path.join(tempDir(t), "home");
  const r = await ms(["build", "chat", "-C", dir], home);
  assert.equal(r.exitCode, 0, r.stderr);
  const layer = manifestOf(home, "chat", "q8_0").layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
  const model = await llama.loadModel({ modelPath: blobPath(home, layer.digest) });
  try {
    const context = await model.createContext({ contextSize: 128, threads: 1 });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const text = await completion.generateCompletion("the cat", { maxTokens: 6, temperature: 0 });
      const expected = oracleContinuation({ text: "the cat sat on a mat." }, "the cat", 6).text;
      assert.equal(text, expected);
      assert.equal(text, "sat on a mat.");
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
});

test("`lock` in a fresh store writes the lock `build` writes", async (t) => {
  const dir = fixtureCopy(t, "tiny");
  const home = path.join(tempDir(t), "home");
  const r = await ms(["lock", "-C", dir, "--json"], home);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(json<{ lockWritten: boolean }>(r).lockWritten, true);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  for (const [variant, digest] of Object.entries(PINNED)) {
    const [model, tag] = variant.split(":") as [string, string];
    assert.match(lock, new RegExp(`^  ${model}:\\n(?:    .*\\n|      .*\\n)*?    ${tag}:\\n      inputs: sha256:[0-9a-f]{64}\\n      manifest: ${digest}\\n`, "m"));
  }
  const again = await ms(["lock", "-C", dir, "--json"], home);
  assert.equal(json<{ lockWritten: boolean; built: string[] }>(again).lockWritten, false);
  assert.deepEqual(json<{ built: string[] }>(again).built, []);
  const build = await ms(["build", "--frozen", "-C", dir], home);
  assert.equal(build.exitCode, 0, build.stderr);
});
