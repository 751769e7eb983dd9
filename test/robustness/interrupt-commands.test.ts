/**
 * Issue 8, item 3: SIGINT and SIGTERM of `pull` and `test` (the mechanism is
 * the CLI entry's, for every command but `serve` and `watch`, which stop by
 * themselves): one line, `interrupted`, exit 130 or 143, no process of ours
 * left, no temp file of the process left (a registry download's resumable
 * part stays, so that the next pull continues it), and `verify` passes.
 * The signal is sent once the command is provably mid-way: the download has
 * begun and the registry holds the rest back; the test has begun a
 * generation of 4,000 tokens.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace } from "../helpers/cli.js";
import { processesLeft, startCli, type Started } from "../helpers/processes.js";
import { STALL_BLOB_DIGEST, startHostileRegistry } from "../registry/hostile-server.js";
import { ms, project } from "./helpers.js";

async function assertInterrupted(run: Started, signal: "SIGINT" | "SIGTERM", home: string, cwd: string) {
  process.kill(run.pid, signal);
  assert.equal(await run.exited, signal === "SIGINT" ? 130 : 143, run.stderr());
  assert.ok(run.stderr().endsWith("\ninterrupted\n"), run.stderr());
  assert.equal(run.stderr().split("\n").filter((l) => l === "interrupted").length, 1);
  assert.equal(hasStackTrace(run.stderr()), false, run.stderr());
  assert.deepEqual(await processesLeft(run.mark, 2000), []);
  const tmp = path.join(home, "tmp");
  const own = (existsSync(tmp) ? readdirSync(tmp) : []).filter((f) => f.includes(String(run.pid)));
  assert.deepEqual(own, [], "no temp file of the interrupted process");
  assert.deepEqual(existsSync(path.join(home, "writers")) ? readdirSync(path.join(home, "writers")) : [], []);
  assert.equal(existsSync(path.join(home, "store.lock")), false);
  const verify = await ms(home, cwd, "verify");
  assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
}

test("pull interrupted mid-download (SIGINT): exit 130, `interrupted`, the resumable part kept", async (t) => {
  const reg = await startHostileRegistry(t);
  const { dir, home } = project(t, {});
  const run = startCli(["pull", `oci://${reg.host}/stall/blob:latest`], { cwd: path.dirname(dir), env: { MODELSMITH_HOME: home, MODELSMITH_HTTP_IDLE_TIMEOUT: "600" } });
  t.after(() => void processesLeft(run.mark, 0).then((left) => left.forEach((p) => process.kill(p.pid, "SIGKILL"))));
  // The model layer's download has begun (the progress line names its short digest, as Ollama's `pulling 6a0746a1ec1a` does).
  await run.untilLine(new RegExp(`^pulling ${STALL_BLOB_DIGEST.slice("sha256:".length, "sha256:".length + 12)}: started$`, "m"));
  await assertInterrupted(run, "SIGINT", home, path.dirname(dir));
  // Only resumable downloads are left (the model blob's, and the config's if it was not stored yet).
  const left = readdirSync(path.join(home, "tmp"));
  assert.ok(left.length > 0 && left.every((f) => /^download-[0-9a-f]{64}\.(part|json)$/.test(f)), left.join(", "));
});

test("test interrupted mid-generation (SIGTERM): exit 143, `interrupted`", async (t) => {
  const { dir, home } = project(t, {
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
    // The oracle starts its text over after the last word: 4,000 tokens of generation.
    Modelfile: "FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_predict 4000\nPARAMETER num_ctx 4096\nPARAMETER num_thread 1\n",
    "tests.yaml": "tests:\n  - prompt: The quick brown\n    raw: true\n    assert:\n      - {type: contains, value: fox}\n",
  });
  const built = await ms(home, dir, "build", "--no-test");
  assert.equal(built.exitCode, 0, built.stderr);
  const run = startCli(["test", "--no-cache"], { cwd: dir, env: { MODELSMITH_HOME: home } });
  t.after(() => void processesLeft(run.mark, 0).then((left) => left.forEach((p) => process.kill(p.pid, "SIGKILL"))));
  await run.untilLine(/^testing fox:latest: 1 case$/m);
  await assertInterrupted(run, "SIGTERM", home, dir);
});
