/**
 * Issue 8, items 9 and 10: `prune --grace 0` while a build runs deletes
 * nothing the build uses (its base blob, pinned in its writer lease, and its
 * temp files, named after its live pid), and the build then finishes; once it
 * has exited, what no manifest uses goes. And prune deletes only its own
 * temp-file names, never through a symlinked tmp/.
 *
 * No timing assumption: the build is held mid-quantization by freezing its
 * quantizer (SIGSTOP) while prune runs, then let go (SIGCONT).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { processesMarked, quantizerOf, startCli } from "../helpers/processes.js";
import { ms, project, tempDir } from "./helpers.js";

const FILES = {
  "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n    quantize: [Q4_K_M]\n",
  Modelfile: "FROM testmodel://random?embd=1024&layers=1&heads=8&ff=2816&vocab=1000&type=f16\n",
};

interface PruneDoc {
  removedBlobs: { digest: string }[];
  removedTemp: { path: string }[];
}

test("prune --grace 0 during a build deletes nothing of the build's; the build finishes", { skip: process.platform !== "linux" ? "scans /proc" : false }, async (t) => {
  const { dir, home } = project(t, FILES);
  const run = startCli(["build", "--no-test", "--json"], { cwd: dir, env: { MODELSMITH_HOME: home } });
  t.after(() => processesMarked(run.mark).forEach((p) => process.kill(p.pid, "SIGKILL")));
  await run.untilLine(/^quantize big Q4_K_M: \d+\/\d+ tensors$/m);
  const quantizer = quantizerOf(run.mark);
  assert.ok(quantizer, "the quantizer runs");
  process.kill(quantizer, "SIGSTOP");
  const temps = readdirSync(path.join(home, "tmp"));
  assert.ok(temps.some((f) => f.includes(`-${run.pid}-`)), `the build has temp files: ${temps.join(", ")}`);

  const prune = await ms(home, dir, "prune", "--grace", "0", "--json");
  const still = readdirSync(path.join(home, "tmp"));
  process.kill(quantizer, "SIGCONT");
  assert.equal(prune.exitCode, 0, prune.stderr);
  assert.deepEqual((JSON.parse(prune.stdout) as PruneDoc).removedBlobs, [], "the base blob the build quantizes is kept");
  assert.deepEqual((JSON.parse(prune.stdout) as PruneDoc).removedTemp, [], "the build's temp files are kept");
  assert.deepEqual(temps.filter((f) => !still.includes(f)), [], "every temp file of the build is still there");

  assert.equal(await run.exited, 0, run.stderr());
  const verify = await ms(home, dir, "verify");
  assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);

  // The build has exited: its lease is gone, and the F16 base (only an input) is no one's any more.
  const after = await ms(home, dir, "prune", "--grace", "0", "--json");
  const base = /digest: (sha256:[0-9a-f]{64})\n/.exec(readFileSync(path.join(dir, "models.lock"), "utf8"))![1];
  assert.deepEqual((JSON.parse(after.stdout) as PruneDoc).removedBlobs.map((b) => b.digest), [base]);
});

test("prune deletes only its own temp-file names, and nothing through a symlinked tmp/", async (t) => {
  const root = tempDir(t);
  const home = path.join(root, "home");
  const elsewhere = path.join(root, "elsewhere");
  mkdirSync(home, { recursive: true });
  mkdirSync(elsewhere);
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  const named = `blob-${dead}-0123456789ab.tmp`;
  writeFileSync(path.join(elsewhere, named), "named like ours, but not in our tmp/");
  writeFileSync(path.join(elsewhere, "thesis.pdf"), "someone's work");
  symlinkSync(elsewhere, path.join(home, "tmp"));
  const r = await ms(home, root, "prune", "--grace", "0", "--json");
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as PruneDoc).removedTemp, []);
  assert.deepEqual(readdirSync(elsewhere).sort(), [named, "thesis.pdf"].sort());
});
