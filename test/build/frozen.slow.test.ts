/**
 * models.lock drift: `build --frozen` and `lock --check` pass when nothing
 * changed and exit 1, naming what moved, after a Modelfile or a base file
 * changes; with no lock at all they exit 1 too (MS4155). Neither writes.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir, type BuiltJson } from "./helpers.js";

const SHAPE = { nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 128 };

async function project(t: TestContext): Promise<{ dir: string; home: string }> {
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  m:\n    modelfile: models/m/Modelfile\n",
    "models/m/Modelfile": 'FROM ../../weights/base.gguf\nSYSTEM "one"\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "weights"));
  await writeTestModel(path.join(dir, "weights/base.gguf"), { kind: "random", name: "random", seed: 1, tensorType: "F32", ...SHAPE });
  return { dir, home: path.join(tempDir(t), "home") };
}

const both = async (dir: string, home: string) => [await ms(["build", "--frozen", "-C", dir], home), await ms(["lock", "--check", "-C", dir], home)];

test("--frozen and lock --check: 0 when nothing changed, 1 naming the drift after a change", async (t) => {
  const { dir, home } = await project(t);
  const lockFile = path.join(dir, "models.lock");

  for (const r of await both(dir, home)) {
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /error\[MS4155\]/);
  }
  assert.equal(existsSync(lockFile), false);

  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = readFileSync(lockFile, "utf8");
  assert.match(lock, /^references:\n {2}\.\/weights\/base\.gguf:\n {4}digest: sha256:[0-9a-f]{64}\n {4}locator: \.\/weights\/base\.gguf\n {4}size: \d+\n/m);
  for (const r of await both(dir, home)) assert.equal(r.exitCode, 0, r.stderr);

  // A Modelfile change moves the variant's inputs.
  const modelfile = path.join(dir, "models/m/Modelfile");
  writeFileSync(modelfile, 'FROM ../../weights/base.gguf\nSYSTEM "two"\n');
  for (const r of await both(dir, home)) {
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /models\.lock: error\[MS4154\]: models\.lock is stale: ~ model m:latest: inputs sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64}\n/);
    assert.doesNotMatch(r.stderr, /reference/);
  }
  assert.equal(readFileSync(lockFile, "utf8"), lock);
  writeFileSync(modelfile, 'FROM ../../weights/base.gguf\nSYSTEM "one"\n');
  for (const r of await both(dir, home)) assert.equal(r.exitCode, 0, r.stderr);

  // A different base file moves the reference's digest, and with it the inputs.
  await writeTestModel(path.join(dir, "weights/base.gguf"), { kind: "random", name: "random", seed: 2, tensorType: "F32", ...SHAPE });
  for (const r of await both(dir, home)) {
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /models\.lock is stale: ~ reference \.\/weights\/base\.gguf: digest sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64}\n/);
    assert.match(r.stderr, /models\.lock is stale: ~ model m:latest: inputs /);
  }
  assert.equal(readFileSync(lockFile, "utf8"), lock);

  // `lock` writes the new state; then both pass again.
  const relock = await ms(["lock", "-C", dir], home);
  assert.equal(relock.exitCode, 0, relock.stderr);
  assert.notEqual(readFileSync(lockFile, "utf8"), lock);
  for (const r of await both(dir, home)) assert.equal(r.exitCode, 0, r.stderr);
});

test("a no-op rebuild hashes no file and runs no step", async (t) => {
  const { dir, home } = await project(t);
  const base = path.join(dir, "weights/base.gguf");
  // Old enough that its stat-cache entry is trusted (see RACY_WINDOW_NS).
  const past = new Date(Date.now() - 3600_000);
  utimesSync(base, past, past);
  const first = await ms(["build", "-C", dir, "--json"], home);
  assert.equal(first.exitCode, 0, first.stderr);
  const cacheFile = path.join(home, "cache", "stat-digests.json");
  const cache = readFileSync(cacheFile, "utf8");
  assert.ok(cache.includes(JSON.stringify(base)), "the base file's digest is cached by stat");
  const before = statSync(cacheFile).mtimeMs;
  const again = await ms(["build", "-C", dir, "--json"], home);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(json<BuiltJson>(again).stepsRun, 0);
  assert.equal(statSync(cacheFile).mtimeMs, before, "nothing was hashed, so the stat cache was not rewritten");
  assert.equal(readFileSync(cacheFile, "utf8"), cache);
});

test("a lock whose manifest digest differs from what the inputs build fails --frozen and lock --check", async (t) => {
  const { dir, home } = await project(t);
  const built = await ms(["build", "-C", dir, "--json"], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const manifest = json<BuiltJson>(built).models[0]!.manifest;
  const lockFile = path.join(dir, "models.lock");
  const forged = `sha256:${"f".repeat(64)}`;
  writeFileSync(lockFile, readFileSync(lockFile, "utf8").replace(manifest, forged));
  const lock = readFileSync(lockFile, "utf8");
  for (const r of await both(dir, home)) {
    assert.equal(r.exitCode, 1, r.stderr);
    assert.ok(r.stderr.includes(`models.lock is stale: ~ model m:latest: manifest ${forged} -> ${manifest}\n`), r.stderr);
  }
  assert.equal(readFileSync(lockFile, "utf8"), lock);
});
