/**
 * Issue 3: two `build` processes started together on one store (and one
 * project) both succeed and give the same manifests: blobs are written to
 * temp files and renamed (identical bytes, whoever wins), manifests under the
 * store lock, the step cache and models.lock atomically.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildDoc, manifest, ms, project } from "./helpers.js";

const FILES = {
  "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n    quantize: [Q8_0, Q4_K_M]\n  helper:\n    modelfile: helper/Modelfile\n",
  Modelfile: "FROM testmodel://random?embd=512&layers=2&heads=8&ff=1024&vocab=500&type=f16\nSYSTEM terse\nPARAMETER temperature 0\n",
  "helper/Modelfile": "FROM chat:q4_k_m\nSYSTEM helpful\n",
};

test("two builds started together on one store both succeed with the same manifests", async (t) => {
  const { dir, home } = project(t, FILES);
  const [a, b] = await Promise.all([ms(home, dir, "build", "--json"), ms(home, dir, "build", "--json", "-j", "2")]);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.equal(b.exitCode, 0, b.stderr);
  const models = buildDoc(a).models;
  assert.deepEqual(models.map((m) => `${m.model}:${m.tag}`), ["chat:latest", "chat:q4_k_m", "chat:q8_0", "helper:latest"]);
  assert.deepEqual(buildDoc(b).models, models);
  for (const m of models) assert.equal(readFileSync(path.join(home, "manifests", "registry.ollama.ai", "library", m.model, m.tag)).length > 0, true);
  assert.equal(manifest(home, "helper").layers[0]!.digest, manifest(home, "chat", "q4_k_m").layers[0]!.digest);

  const verify = await ms(home, dir, "verify");
  assert.equal(verify.exitCode, 0, verify.stderr);
  // The store holds what one build alone makes: nothing extra from the race.
  const alone = project(t, FILES);
  const single = await ms(alone.home, alone.dir, "build", "--json");
  assert.equal(single.exitCode, 0, single.stderr);
  assert.deepEqual(buildDoc(single).models, models);
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), readFileSync(path.join(alone.dir, "models.lock"), "utf8"));
  const du = async (home: string, cwd: string) => JSON.parse((await ms(home, cwd, "du", "--json")).stdout) as { referencedBytes: number; unreferencedBytes: number; tempBytes: number };
  assert.deepEqual(await du(home, dir), await du(alone.home, alone.dir));

  const again = await ms(home, dir, "build", "--json");
  assert.deepEqual([again.exitCode, buildDoc(again).stepsRun, buildDoc(again).models], [0, 0, models]);
});
