/**
 * A fleet on one machine: four runners, each with its own MODELSMITH_HOME and
 * its own copy of a 12-model project, build at once against one real
 * registry (`--cache-from` and `--cache-to` the same repository). Twelve
 * models over six bases give six distinct quantize keys: across the fleet,
 * exactly six quantize steps are computed (claims, remote-cache.ts), every
 * other one comes from the remote (or, for a second model of the same base,
 * the local) cache, and the four models.lock files are byte-identical. A
 * runner that finds a key claimed by another works on other keys first and
 * comes back (execute.ts), so at least two runners compute steps.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { registryMissing, startRegistry } from "../registry/helpers.js";
import { json, tempDir } from "./helpers.js";

const skip = registryMissing();

type Steps = { step: string; kind: "quantize" | "assemble"; key: string; source: "computed" | "local" | "remote" }[];

const MODELS = 12;
const BASES = 6;

function project(): Record<string, string> {
  const files: Record<string, string> = { "modelsmith.yaml": "models:\n" };
  for (let i = 0; i < MODELS; i++) {
    files["modelsmith.yaml"] += `  m${i}:\n    modelfile: m${i}/Modelfile\n    quantize: Q8_0\n`;
    // The tiniest generated model: 1 layer, 64 wide.
    files[`m${i}/Modelfile`] = `FROM testmodel://random?embd=64&layers=1&heads=2&kv=2&ff=128&vocab=300&ctx=128&seed=${i % BASES}\nSYSTEM "model ${i}"\n`;
  }
  return files;
}

test("four runners build a 12-model project at once: quantize steps computed in total = distinct keys", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const cache = `oci://${registry.host}/fleet/cache`;
  const files = project();
  const runs = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const dir = tempProject(files);
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const home = path.join(tempDir(t), "home");
      const r = await runCli(["build", "-C", dir, "--json", "--cache-from", cache, "--cache-to", cache], { env: { MODELSMITH_HOME: home } });
      return { r, lock: readFileSync(path.join(dir, "models.lock"), "utf8") };
    }),
  );
  for (const { r } of runs) assert.equal(r.exitCode, 0, r.stderr);
  const steps = runs.flatMap(({ r }) => json<{ steps: Steps }>(r).steps);
  const quantize = steps.filter((s) => s.kind === "quantize");
  const distinct = new Set(quantize.map((s) => s.key));
  assert.equal(distinct.size, BASES);
  assert.equal(quantize.length, 4 * MODELS);
  const computed = quantize.filter((s) => s.source === "computed");
  assert.equal(computed.length, distinct.size, `computed: ${computed.map((s) => s.step).join(", ")}`);
  assert.equal(new Set(computed.map((s) => s.key)).size, distinct.size, "each key computed once");
  assert.ok(quantize.some((s) => s.source === "remote"), "others fetched from the remote cache");
  // The work is shared: a runner that finds a key claimed works on other keys instead of waiting, so more
  // than one runner computes (with six keys and four runners all starting on m0, a waiting fleet would not spread them).
  const perRunner = runs.map(({ r }) => json<{ steps: Steps }>(r).steps.filter((s) => s.kind === "quantize" && s.source === "computed").length);
  assert.ok(perRunner.filter((n) => n > 0).length >= 2, `computed per runner: ${perRunner.join(", ")}`);
  assert.equal(perRunner.reduce((a, b) => a + b, 0), BASES);
  for (const { lock } of runs) assert.equal(lock, runs[0]!.lock);
});

test("a key claimed by another (dead) runner: the runner builds every other key first, then computes it once the claim expires", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const cache = `oci://${registry.host}/fleet/claimed`;
  const files = project();
  // The keys, from a build without the cache.
  const first = await runCli(["build", "-C", tempProject(files), "--json"], { env: { MODELSMITH_HOME: path.join(tempDir(t), "home") } });
  assert.equal(first.exitCode, 0, first.stderr);
  const key0 = json<{ steps: Steps }>(first).steps.find((s) => s.step === "m0@q8_0")!.key;
  // A claim as remote-cache.ts writes one (tag ms-step-<hex>-claim), by a runner that will never finish: it holds 12 s.
  const claim = Buffer.from(JSON.stringify({ modelsmith: "build-cache-claim", key: key0, runner: "dead-runner", until: Date.now() + 12_000 }));
  const digest = `sha256:${createHash("sha256").update(claim).digest("hex")}`;
  const base = `http://${registry.host}/v2/fleet/claimed`;
  const session = await fetch(`${base}/blobs/uploads/`, { method: "POST" });
  assert.equal(session.status, 202);
  const loc = new URL(session.headers.get("location")!, base);
  loc.searchParams.set("digest", digest);
  assert.equal((await fetch(loc, { method: "PUT", headers: { "Content-Type": "application/octet-stream" }, body: claim })).status, 201);
  const manifest = { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.modelsmith.build-cache.claim.v1+json", digest, size: claim.length }, layers: [] };
  const put = await fetch(`${base}/manifests/ms-step-${key0.slice(7)}-claim`, { method: "PUT", headers: { "Content-Type": manifest.mediaType }, body: JSON.stringify(manifest) });
  assert.equal(put.status, 201);

  const dir = tempProject(files);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(["build", "-C", dir, "--json", "--cache-from", cache, "--cache-to", cache], { env: { MODELSMITH_HOME: path.join(tempDir(t), "home") } });
  assert.equal(r.exitCode, 0, r.stderr);
  const steps = json<{ steps: Steps }>(r).steps;
  // m0 and m6 share the claimed key: whichever comes back first after the claim expired computes it, the other finds it local.
  const claimed = steps.filter((s) => s.key === key0 && s.source === "computed");
  assert.equal(claimed.length, 1, "computed once, after the dead runner's claim expired");
  // With one job, a runner blocked on the claim would finish that key first; it finishes every other key first instead.
  const doneAt = (m: string) => r.stderr.search(new RegExp(`quantize ${m} Q8_0: done`));
  const last = doneAt(claimed[0]!.step.split("@")[0]!);
  for (let i = 1; i < BASES; i++) {
    assert.ok(doneAt(`m${i}`) >= 0 && doneAt(`m${i}`) < last, `m${i} before ${claimed[0]!.step}:\n${r.stderr}`);
  }
  assert.equal(steps.filter((s) => s.kind === "quantize" && s.source === "computed").length, BASES);
});
