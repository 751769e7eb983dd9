/**
 * A fleet on one machine: four runners, each with its own MODELSMITH_HOME and
 * its own copy of a 12-model project, build at once against one real
 * registry (`--cache-from` and `--cache-to` the same repository). Twelve
 * models over six bases give six distinct quantize keys: across the fleet,
 * exactly six quantize steps are computed (claims, remote-cache.ts), every
 * other one comes from the remote (or, for a second model of the same base,
 * the local) cache, and the four models.lock files are byte-identical.
 */
import assert from "node:assert/strict";
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
  for (const { lock } of runs) assert.equal(lock, runs[0]!.lock);
});
