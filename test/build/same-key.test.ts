/**
 * One runner computes a step key once (docs/decisions.md, "One runner
 * computes a key once"): two models quantizing the same base to the same
 * types share those steps' keys, and with `-j 4` every step is ready at
 * once. The step that comes second under a key waits for the first and
 * takes its record from the local step cache; nothing is timed, the steps
 * computed are counted from `build --json`.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "./helpers.js";

interface StepsJson {
  stepsRun: number;
  steps: { step: string; kind: string; key: string; source: string }[];
  models: { model: string; tag: string; manifest: string }[];
}

test("steps of one build that share a key are computed once, with -j 4", async (t) => {
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  a:\n    modelfile: a/Modelfile\n    quantize: [Q8_0, Q4_0]\n  b:\n    modelfile: b/Modelfile\n    quantize: [Q8_0, Q4_0]\n",
    "a/Modelfile": "FROM testmodel://oracle\n",
    "b/Modelfile": "FROM testmodel://oracle\nSYSTEM You are b.\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = path.join(tempDir(t), "home");
  const r = await ms(["build", "--no-test", "--json", "-j", "4", "-C", dir], home);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = json<StepsJson>(r);
  const quantize = out.steps.filter((s) => s.kind === "quantize");
  assert.equal(quantize.length, 4);
  const keys = new Set(quantize.map((s) => s.key));
  assert.equal(keys.size, 2, "a and b share both quantize keys");
  for (const key of keys) {
    const sources = quantize.filter((s) => s.key === key).map((s) => s.source).sort();
    assert.deepEqual(sources, ["computed", "local"], `key ${key}: ${JSON.stringify(quantize)}`);
  }
  // Assembling differs (b has a SYSTEM): every assemble step is computed, each on the one quantized blob of its type.
  assert.ok(out.steps.filter((s) => s.kind === "assemble").every((s) => s.source === "computed"));
  assert.equal(out.stepsRun, 2 + 4);
  const manifests = new Set(out.models.map((m) => `${m.model}:${m.manifest}`));
  assert.equal(manifests.size, 4);
});
