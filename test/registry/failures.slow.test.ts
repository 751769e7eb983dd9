/**
 * What goes wrong with a registry is one diagnostic, never a stack: a
 * registry that serves other bytes than the manifest's digest (exit 3,
 * MS5602, nothing stored), an unknown repository or tag (exit 2, MS5611), no
 * registry at all (exit 3, MS5610), a reference that is no registry's.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace, tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { freePort, registryMissing, startRegistry } from "./helpers.js";

const skip = registryMissing();

test("a registry serving other bytes than the manifest's digest: exit 3 MS5602, nothing stored", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\n" });
  const homeA = path.join(tempDir(t), "a");
  assert.equal((await ms(["build", "-C", dir], homeA)).exitCode, 0);
  const pushed = await ms(["push", "fox", `oci://${registry.host}/library/fox:latest`, "--json"], homeA);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const model = json<{ blobs: { digest: string; size: number }[] }>(pushed).blobs.find((b) => b.size > 1000)!;
  const file = registry.blobFile(model.digest);
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] ^= 0xff;
  chmodSync(file, 0o644);
  writeFileSync(file, bytes);

  const homeB = path.join(tempDir(t), "b");
  const r = await ms(["pull", `ollama://${registry.host}/library/fox:latest`], homeB);
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, /error\[MS5602\]: the bytes downloaded for blob sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/library\/fox do not match sha256:[0-9a-f]{64}: nothing was stored/);
  assert.equal(hasStackTrace(r.stderr), false);
  assert.equal(existsSync(path.join(homeB, "manifests")), false, "no manifest");
  assert.equal(existsSync(path.join(homeB, "blobs", model.digest.replace(":", "-"))), false, "no bad blob");
  assert.deepEqual(readdirSync(path.join(homeB, "tmp")).filter((f) => f.startsWith("download-")), [], "no partial download left");

  // FROM the same model: the build fails the same way.
  const proj = tempProject({ "modelsmith.yaml": "models:\n  cub:\n    modelfile: Modelfile\n", Modelfile: `FROM ollama://${registry.host}/library/fox:latest\n` });
  const b = await ms(["build", "-C", proj], homeB);
  assert.equal(b.exitCode, 3, b.stderr);
  assert.match(b.stderr, /error\[MS5602\]/);
});

test("an unknown repository or tag: exit 2 MS5611 with a hint; no registry: exit 3 MS5610; not a registry reference: exit 2 MS5615", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const home = path.join(tempDir(t), "home");
  const missing = await ms(["pull", `ollama://${registry.host}/library/nope:latest`], home);
  assert.equal(missing.exitCode, 2, missing.stderr);
  assert.match(missing.stderr, /^error\[MS5611\]: 127\.0\.0\.1:\d+ has no manifest library\/nope:latest: (NAME_UNKNOWN|MANIFEST_UNKNOWN) .*\nhint: check the repository name and tag; the registry at http:\/\/127\.0\.0\.1:\d+ does not know it\n/m);
  assert.equal(hasStackTrace(missing.stderr), false);
  const json1 = await ms(["pull", `oci://${registry.host}/library/nope:v9`, "--json"], home);
  assert.equal(json(json1).exitCode, 2);

  const dir = tempProject({ "modelsmith.yaml": "models:\n  cub:\n    modelfile: Modelfile\n", Modelfile: `FROM ollama://${registry.host}/library/nope:latest\n` });
  const built = await ms(["build", "-C", dir], home);
  assert.equal(built.exitCode, 2, built.stderr);
  assert.match(built.stderr, /Modelfile:1:6: error\[MS5611\]/);

  const port = await freePort();
  const down = await ms(["pull", `ollama://127.0.0.1:${port}/library/fox:latest`], home);
  assert.equal(down.exitCode, 3, down.stderr);
  assert.match(down.stderr, /^error\[MS5610\]: cannot reach 127\.0\.0\.1:\d+ for manifest library\/fox:latest: .*ECONNREFUSED.*\nhint: is the registry up at http:\/\/127\.0\.0\.1:\d+\?/m);

  const local = await ms(["pull", "./x.gguf"], home);
  assert.equal(local.exitCode, 2);
  assert.match(local.stderr, /error\[MS5615\]: pull takes a registry reference, not a local file/);
  const push = await ms(["push", "nothing", `oci://${registry.host}/x:1`], home);
  assert.equal(push.exitCode, 2);
  assert.match(push.stderr, /error\[MS5102\]: model nothing:latest not found in the store/);
});
