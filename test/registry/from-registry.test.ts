/**
 * FROM a registry: a project whose Modelfile names a model on a real
 * registry builds, pins the manifest digest in models.lock, answers with the
 * oracle's known text, rebuilds identically under --frozen, fetches the
 * manifest once per build, and reports drift when the tag moves.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { json, ms, tempDir, type BuiltJson } from "../build/helpers.js";
import { registryMissing, startProxy, startRegistry, type Registry } from "./helpers.js";

const skip = registryMissing();

/** Builds `FROM testmodel://oracle` (+ `extra`) in a scratch home and pushes it to `target`; returns the pushed manifest digest. */
async function publish(t: TestContext, target: string, extra = ""): Promise<string> {
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: `FROM testmodel://oracle\n${extra}` });
  const home = path.join(tempDir(t), "publisher");
  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const pushed = await ms(["push", "fox", target, "--json"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  return json<{ digest: string }>(pushed).digest;
}

function project(t: TestContext, from: string): { dir: string; home: string } {
  const dir = tempProject({ "modelsmith.yaml": "models:\n  cub:\n    modelfile: Modelfile\n", Modelfile: `FROM ${from}\nPARAMETER num_ctx 256\n` });
  return { dir, home: path.join(tempDir(t), "home") };
}

async function registryWithFox(t: TestContext): Promise<{ registry: Registry; digest: string }> {
  const registry = await startRegistry(t);
  return { registry, digest: await publish(t, `ollama://${registry.host}/library/fox:latest`) };
}

test("FROM ollama://<loopback registry>/library/fox:latest builds, pins the manifest digest, runs, rebuilds --frozen", { skip }, async (t) => {
  const { registry, digest } = await registryWithFox(t);
  const proxy = await startProxy(t, registry.port);
  const from = `ollama://${proxy.host}/library/fox:latest`;
  const { dir, home } = project(t, from);
  const built = await ms(["build", "--json", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.equal(proxy.requests.filter((r) => r.startsWith("GET /v2/library/fox/manifests/")).length, 1, `one manifest round trip per build: ${proxy.requests.join(", ")}`);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  assert.match(lock, new RegExp(`^  ${from.replace(/[.:/]/g, "\\$&")}:\\n    digest: sha256:[0-9a-f]{64}\\n    locator: ${from.replace(/[.:/]/g, "\\$&")}@${digest}\\n    size: \\d+\\n`, "m"));

  const run = await runCli(["run", "cub", "The quick brown", "-p", "num_predict=6", "-p", "num_thread=1"], { env: { MODELSMITH_HOME: home }, input: "" });
  assert.deepEqual([run.exitCode, run.stdout], [0, " fox jumps over the lazy dog\n"], run.stderr);

  const frozen = await ms(["build", "--frozen", "--json", "-C", dir], home);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.deepEqual(json<BuiltJson>(frozen).models.map((m) => m.manifest), json<BuiltJson>(built).models.map((m) => m.manifest));
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lock);
  const check = await ms(["lock", "--check", "-C", dir], home);
  assert.equal(check.exitCode, 0, check.stderr);
});

test("a tag moved on the registry is drift for lock --check (exit 1); build --frozen and --offline keep building what the lock pins; oci:// works the same", { skip }, async (t) => {
  const { registry, digest } = await registryWithFox(t);
  const from = `oci://${registry.host}/library/fox:latest`;
  const { dir, home } = project(t, from);
  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: oci://127\\.0\\.0\\.1:\\d+/library/fox:latest@${digest}`));
  assert.equal((await ms(["lock", "--check", "-C", dir], home)).exitCode, 0);

  const moved = await publish(t, `oci://${registry.host}/library/fox:latest`, 'PARAMETER temperature 0.5\nLICENSE "moved"\n');
  assert.notEqual(moved, digest);
  const check = await ms(["lock", "--check", "-C", dir], home);
  assert.equal(check.exitCode, 1, check.stderr);
  assert.match(check.stderr, /error\[MS4154\]: models\.lock is stale: .*oci:\/\/127\.0\.0\.1:\d+\/library\/fox:latest/);
  const lockBefore = readFileSync(path.join(dir, "models.lock"), "utf8");
  const frozen = await ms(["build", "--frozen", "-C", dir], home);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lockBefore, "a frozen build stays on the locked manifest");
  const offline = await ms(["build", "--offline", "-C", dir], home);
  assert.equal(offline.exitCode, 0, offline.stderr);
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lockBefore, "offline, the lock's pin is used and its blob is in the store");
  const emptyHome = path.join(path.dirname(home), "empty-home");
  const offlineEmpty = await ms(["build", "--offline", "-C", dir], emptyHome);
  assert.equal(offlineEmpty.exitCode, 3, offlineEmpty.stderr);
  assert.match(offlineEmpty.stderr, /error\[MS5203\]: .* is pinned in models\.lock, but its blob sha256:[0-9a-f]{64} is not in the store, and --offline refuses the network/);

  // Pinned to the old manifest digest, the reference still builds what the lock had.
  writeFileSync(path.join(dir, "Modelfile"), `FROM ${from}@${digest}\nPARAMETER num_ctx 256\n`);
  const pinned = await ms(["build", "-C", dir], home);
  assert.equal(pinned.exitCode, 0, pinned.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: oci://127\\.0\\.0\\.1:\\d+/library/fox:latest@${digest}`));
});
