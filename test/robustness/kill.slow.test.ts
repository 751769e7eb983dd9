/**
 * Issue 3: a build killed with SIGKILL while it quantizes (the whole process
 * group: the CLI and its quantizer process) leaves a store that `verify`
 * accepts: blobs appear by rename only, so the half-written output is a temp
 * file under tmp/, never a blob. The next build quantizes again, finishes,
 * and removes the abandoned temp file at once (issue 8, item 11: its owner
 * pid is dead), so `prune --grace 0` finds none.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fromRoot } from "../helpers/paths.js";
import { buildDoc, buildLog, ms, project } from "./helpers.js";

/** A random F16 llama (~50 MB) whose Q4_K_M quantization takes about a second here. */
const FILES = {
  "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n    quantize: [Q4_K_M]\n",
  Modelfile: "FROM testmodel://random?embd=1024&layers=1&heads=8&ff=2816&vocab=1000&type=f16\n",
};

/** Starts `modelsmith build` in its own process group; resolves once stderr has a line matching `line`. */
function buildUntil(dir: string, home: string, line: RegExp): Promise<{ pid: number; exited: Promise<NodeJS.Signals | number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "build"], {
    cwd: dir,
    env: { ...process.env, MODELSMITH_HOME: home, CI: "1", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString("utf8");
      if (line.test(stderr)) resolve({ pid: child.pid!, exited, stderr: () => stderr });
    });
    void exited.then((how) => reject(new Error(`the build ended (${how}) before printing ${line}:\n${stderr}`)));
  });
}

test("a build killed while quantizing leaves a valid store, and the next build finishes", async (t) => {
  const { dir, home } = project(t, FILES);
  const run = await buildUntil(dir, home, /^quantize big Q4_K_M: \d+\/\d+ tensors$/m);
  process.kill(-run.pid, "SIGKILL");
  assert.equal(await run.exited, "SIGKILL");

  // Killed mid-quantization: the output was being written, under tmp/, and no model exists.
  const temp = readdirSync(path.join(home, "tmp"));
  assert.equal(temp.filter((f) => /^\.quantize-\d+-[0-9a-f]{12}\.gguf\.[0-9a-f]{12}\.partial$/.test(f)).length, 1, `a partial quantize output in tmp/: ${temp.join(", ")}`);
  assert.equal(existsSync(path.join(home, "manifests")), false);

  const verify = await ms(home, dir, "verify");
  assert.equal(verify.exitCode, 0, verify.stderr);
  assert.match(verify.stdout, /^verified 1 blob \(\d+(\.\d)? MB\): every one matches its digest\n$/);

  const again = await ms(home, dir, "build", "--json");
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(buildDoc(again).stepsRun, 2);
  assert.equal(buildLog(again.stderr), "quantize big Q4_K_M: done in …\nassemble big:q4_k_m, big:latest: done in …\n");
  const after = await ms(home, dir, "verify");
  assert.equal(after.exitCode, 0, after.stderr);
  assert.match(after.stdout, /^verified 3 blobs /);
  assert.deepEqual(readdirSync(path.join(home, "tmp")), [], "the next build removed the killed build's partial output");

  const prune = await ms(home, dir, "prune", "--grace", "0", "--json");
  assert.equal(prune.exitCode, 0, prune.stderr);
  const removed = JSON.parse(prune.stdout) as { removedBlobs: { digest: string }[]; removedTemp: { path: string }[] };
  // The F16 base is an input only (both tags are the Q4_K_M variant): no manifest keeps it.
  const base = /digest: (sha256:[0-9a-f]{64})\n/.exec(readFileSync(path.join(dir, "models.lock"), "utf8"))![1];
  assert.deepEqual(removed.removedBlobs.map((b) => b.digest), [base]);
  assert.deepEqual(removed.removedTemp, []);
});
