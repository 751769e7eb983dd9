/**
 * push and pull against a real Distribution registry on loopback: a built
 * model goes up and comes back into an empty store with the same manifest
 * digest and blobs; skopeo sees it; a second push skips every blob.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { hasSkopeo, registryMissing, startRegistry } from "./helpers.js";

const skip = registryMissing();

test("build, push, pull into an empty store: same manifest digest and blobs", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: 'FROM testmodel://oracle\nSYSTEM "You answer like a fox."\n' });
  const homeA = path.join(tempDir(t), "a");
  const homeB = path.join(tempDir(t), "b");
  const built = await ms(["build", "--json", "-C", dir], homeA);
  assert.equal(built.exitCode, 0, built.stderr);
  const manifest = json<{ models: { manifest: string }[] }>(built).models[0]!.manifest;

  const target = `oci://${registry.host}/library/fox:v1`;
  const pushed = await ms(["push", "fox", target, "--json"], homeA);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const doc = json<{ digest: string; blobs: { digest: string; uploaded: boolean }[] }>(pushed);
  assert.equal(doc.digest, manifest);
  assert.equal(doc.blobs.length, 3);
  assert.ok(doc.blobs.every((b) => b.uploaded));
  assert.match(pushed.stderr, /^uploaded [0-9a-f]{12} /m);

  const again = await ms(["push", "fox:latest", `ollama://${registry.host}/library/fox:v1`, "--json"], homeA);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.ok(json<typeof doc>(again).blobs.every((b) => !b.uploaded), "a second push uploads nothing");

  const pulled = await ms(["pull", `ollama://${registry.host}/library/fox:v1`, "--json"], homeB);
  assert.equal(pulled.exitCode, 0, pulled.stderr);
  assert.deepEqual(json(pulled).digest, manifest);
  assert.equal(json(pulled).name, `${registry.host}/library/fox:v1`);
  assert.match(pulled.stderr, /^pulling manifest 127\.0\.0\.1:\d+\/library\/fox:v1$/m);
  const bytes = readFileSync(path.join(homeB, "manifests", registry.host, "library", "fox", "v1"));
  assert.equal(`sha256:${createHash("sha256").update(bytes).digest("hex")}`, manifest);
  assert.deepEqual(readdirSync(path.join(homeB, "blobs")).sort(), doc.blobs.map((b) => b.digest.replace(":", "-")).sort());
  const verified = await ms(["verify"], homeB);
  assert.equal(verified.exitCode, 0, verified.stderr);
  const shown = await ms(["show", `${registry.host}/library/fox:v1`, "--modelfile"], homeB);
  assert.match(shown.stdout, /SYSTEM .*You answer like a fox\./);

  // Pulled again: every blob is there already.
  const twice = await ms(["pull", `${registry.host}/library/fox:v1`], homeB);
  assert.equal(twice.exitCode, 0, twice.stderr);
  assert.equal(twice.stderr.match(/^have /gm)?.length, 3);
  assert.equal(twice.stdout, `pulled ${registry.host}/library/fox:v1 ${manifest}\n`);

  if (hasSkopeo()) {
    const raw = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/library/fox:v1`]);
    assert.equal(`sha256:${createHash("sha256").update(raw).digest("hex")}`, manifest, "skopeo reads the same manifest bytes");
    // skopeo's plain `inspect` parses image layers and refuses Ollama's layer types; the tag list and raw manifest are what it can show.
    const tags = JSON.parse(execFileSync("skopeo", ["list-tags", "--tls-verify=false", `docker://${registry.host}/library/fox`], { encoding: "utf8" })) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ["v1"]);
  }
});
