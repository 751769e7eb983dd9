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

test("a tag moved on the registry is drift for lock --check --update (exit 1); build, --frozen and --offline keep building what the lock pins until lock --update; oci:// works the same", { skip }, async (t) => {
  const { registry, digest } = await registryWithFox(t);
  const from = `oci://${registry.host}/library/fox:latest`;
  const { dir, home } = project(t, from);
  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: oci://127\\.0\\.0\\.1:\\d+/library/fox:latest@${digest}`));
  assert.equal((await ms(["lock", "--check", "-C", dir], home)).exitCode, 0);

  const moved = await publish(t, `oci://${registry.host}/library/fox:latest`, 'PARAMETER temperature 0.5\nLICENSE "moved"\n');
  assert.notEqual(moved, digest);
  assert.equal((await ms(["lock", "--check", "-C", dir], home)).exitCode, 0, "the lock keeps its pin");
  const check = await ms(["lock", "--check", "--update", "-C", dir], home);
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

  const plain = await ms(["build", "-C", dir], home);
  assert.equal(plain.exitCode, 0, plain.stderr);
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lockBefore, "a plain build keeps the lock's pin too");
  const unknown = await ms(["lock", "--update", "oci://127.0.0.1:1/other:latest", "-C", dir], home);
  assert.equal(unknown.exitCode, 2, unknown.stderr);
  assert.match(unknown.stderr, /error\[MS4156\]: --update oci:\/\/127\.0\.0\.1:1\/other:latest: no Modelfile of the project uses that network reference/);
  const updated = await ms(["lock", "--update", from, "-C", dir], home);
  assert.equal(updated.exitCode, 0, updated.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: oci://127\\.0\\.0\\.1:\\d+/library/fox:latest@${moved}`), "lock --update moves the pin to the tag's new manifest");

  // Pinned to the old manifest digest, the reference still builds what the lock had.
  writeFileSync(path.join(dir, "Modelfile"), `FROM ${from}@${digest}\nPARAMETER num_ctx 256\n`);
  const pinned = await ms(["build", "-C", dir], home);
  assert.equal(pinned.exitCode, 0, pinned.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: oci://127\\.0\\.0\\.1:\\d+/library/fox:latest@${digest}`));
});

test("FROM a registry model inherits its TEMPLATE, SYSTEM, params and LICENSE layers, as Ollama's create does; --frozen and --offline rebuild the same manifest", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const base = await publish(
    t,
    `ollama://${registry.host}/library/fox:latest`,
    'TEMPLATE "{{ .Prompt }} jumps over the"\nSYSTEM "You are the base."\nPARAMETER stop .\nLICENSE "fox licence"\n',
  );
  const from = `ollama://${registry.host}/library/fox:latest`;
  const dir = tempProject({ "modelsmith.yaml": "models:\n  cub:\n    modelfile: Modelfile\n", Modelfile: `FROM ${from}\nSYSTEM "You are the cub."\nPARAMETER num_ctx 256\n` });
  const home = path.join(tempDir(t), "home");
  const built = await ms(["build", "--json", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);

  // The base's manifest as the registry has it: its layers by kind.
  const puller = path.join(tempDir(t), "puller");
  const pulled = await ms(["pull", from, "--json"], puller);
  assert.equal(pulled.exitCode, 0, pulled.stderr);
  const baseShow = await ms(["show", `${registry.host}/library/fox:latest`, "--json"], puller);
  assert.equal(baseShow.exitCode, 0, baseShow.stderr);
  type Shown = { digest: string; template?: string; system?: string; parameters: Record<string, unknown>; license: string[]; layers: { kind: string; digest: string; from?: string }[] };
  const baseLayers = json<Shown>(baseShow);
  assert.equal(baseLayers.digest, base);
  const layerOf = (s: Shown, kind: string) => s.layers.filter((l) => l.kind === kind);

  const shown = await ms(["show", "cub", "--json"], home);
  assert.equal(shown.exitCode, 0, shown.stderr);
  const cub = json<Shown>(shown);
  assert.equal(cub.template, "{{ .Prompt }} jumps over the");
  assert.equal(cub.system, "You are the cub.");
  assert.deepEqual(cub.parameters, { stop: ["."], num_ctx: 256 });
  assert.deepEqual(cub.license, ["fox licence"]);
  const fromName = `${registry.host}/library/fox:latest`;
  for (const kind of ["model", "template", "license"]) {
    assert.deepEqual(layerOf(cub, kind).map((l) => [l.digest, l.from]), layerOf(baseLayers, kind).map((l) => [l.digest, fromName]), `${kind} inherited from the base`);
  }
  assert.notDeepEqual(layerOf(cub, "system").map((l) => l.digest), layerOf(baseLayers, "system").map((l) => l.digest));
  assert.equal(layerOf(cub, "system")[0]!.from, undefined);
  assert.deepEqual(layerOf(cub, "params").map((l) => l.from), [undefined]);
  const text = await ms(["show", "cub"], home);
  assert.match(text.stdout, new RegExp(`template\\s+sha256:[0-9a-f]{64}\\s+\\S+ \\S+\\s+from ${fromName.replace(/[.:/]/g, "\\$&")}`));

  // The lock records the inherited layers, so a frozen or offline build knows them without the manifest.
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  assert.match(lock, /\n    layers:\n      - digest: sha256:[0-9a-f]{64}\n        mediaType: application\/vnd\.ollama\.image\.template\n/);

  // The inherited TEMPLATE renders the prompt, and the inherited stop ends the answer.
  const run = await runCli(["run", "cub", "The quick brown fox", "-p", "num_predict=6", "-p", "num_thread=1"], { env: { MODELSMITH_HOME: home }, input: "" });
  assert.deepEqual([run.exitCode, run.stdout], [0, " lazy dog\n"], run.stderr);

  const frozen = await ms(["build", "--frozen", "--json", "-C", dir], home);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.deepEqual(json<BuiltJson>(frozen).models.map((m) => m.manifest), json<BuiltJson>(built).models.map((m) => m.manifest));
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lock);
  // A fresh store, frozen: the lock's pin is fetched with its layers; the same manifest comes out.
  const freshHome = path.join(tempDir(t), "fresh");
  const fresh = await ms(["build", "--frozen", "--json", "-C", dir], freshHome);
  assert.equal(fresh.exitCode, 0, fresh.stderr);
  assert.deepEqual(json<BuiltJson>(fresh).models.map((m) => m.manifest), json<BuiltJson>(built).models.map((m) => m.manifest));
  const offline = await ms(["build", "--offline", "--frozen", "--json", "-C", dir], freshHome);
  assert.equal(offline.exitCode, 0, offline.stderr);
  assert.deepEqual(json<BuiltJson>(offline).models.map((m) => m.manifest), json<BuiltJson>(built).models.map((m) => m.manifest));
});
