/**
 * The remote build cache against a real Distribution registry
 * (`docker-registry` on 127.0.0.1, Basic auth): runner A builds and fills the
 * cache; runner B, with a fresh MODELSMITH_HOME and a fresh copy of the
 * project, computes no step and writes a byte-identical models.lock; a blob
 * changed in the registry's storage is caught (MS5701) and that step is
 * computed (uploaded again, but Distribution keeps the damaged bytes: MS5800);
 * other bytes pushed under an entry's tag are caught, computed and the entry
 * written again, so the next runner takes it from the cache; wrong credentials and a stopped registry are warnings (MS5700)
 * and a local build. (Slow: seven builds; bad references are in remote-cache.test.ts.)
 *
 * Compare BuildKit's registry cache, which the design follows for
 * `--cache-to/--cache-from type=registry,ref=…`:
 * https://github.com/moby/buildkit/blob/master/README.md#registry-push-image-and-cache-separately
 * (docs/decisions.md, "Remote build cache").
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace, runCli, type CliResult } from "../helpers/cli.js";
import { registryMissing, startRegistry } from "../registry/helpers.js";
import { fixtureCopy, json, manifestOf, tempDir, type BuiltJson } from "./helpers.js";

const skip = registryMissing();

// bcrypt (cost 4) of "s3cret", as in test/registry/auth.slow.test.ts; Distribution's htpasswd takes only bcrypt.
const HTPASSWD = "smith:$2b$04$sFfD4WsXx74qPnJL2kDmfuXvvYXnaTvAIVhMKyx2BfZJWyoTMj6xu\n";

type Steps = { step: string; kind: "quantize" | "assemble"; key: string; source: "computed" | "local" | "remote" }[];
type Built = BuiltJson & { steps: Steps };

function build(dir: string, home: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli(["build", "-C", dir, "--json", ...args], { env: { MODELSMITH_HOME: home, DOCKER_CONFIG: path.join(home, "no-docker"), MODELSMITH_HTTP_RETRIES: "0", ...env } });
}

const sources = (r: CliResult) => Object.fromEntries(json<Built>(r).steps.map((s) => [s.step, s.source]));

test("runner A fills the cache; runner B (fresh home, fresh copy) computes nothing and writes the same models.lock; a tampered blob is caught", { skip }, async (t) => {
  const registry = await startRegistry(t, { htpasswd: HTPASSWD });
  const cache = `oci://${registry.host}/ci/model-cache`;
  const auth = { MODELSMITH_REGISTRY_AUTH: "smith:s3cret" };

  const aDir = fixtureCopy(t, "tiny");
  const aHome = path.join(tempDir(t), "home");
  const a = await build(aDir, aHome, ["--cache-to", cache], auth);
  assert.equal(a.exitCode, 0, a.stderr);
  assert.deepEqual(sources(a), { "chat@q8_0": "computed", "chat:q8_0": "computed", "chat@q4_k_m": "computed", "chat:q4_k_m": "computed", "helper:latest": "computed" });
  const lock = readFileSync(path.join(aDir, "models.lock"), "utf8");

  // Runner B: the cache from the environment, as CI sets it.
  const bDir = fixtureCopy(t, "tiny");
  const bHome = path.join(tempDir(t), "home");
  const b = await build(bDir, bHome, [], { ...auth, MODELSMITH_CACHE_FROM: cache });
  assert.equal(b.exitCode, 0, b.stderr);
  assert.deepEqual(sources(b), { "chat@q8_0": "remote", "chat:q8_0": "remote", "chat@q4_k_m": "remote", "chat:q4_k_m": "remote", "helper:latest": "remote" });
  assert.equal(json<Built>(b).stepsRun, 0);
  assert.doesNotMatch(b.stderr, /quantize chat .*tensors/, "no quantization ran");
  assert.equal(readFileSync(path.join(bDir, "models.lock"), "utf8"), lock, "byte-identical models.lock");
  for (const [model, tag] of [["chat", "q4_k_m"], ["chat", "latest"], ["helper", "latest"]] as const) assert.equal(manifestOf(bHome, model, tag).text, manifestOf(aHome, model, tag).text);
  // Its blobs are in B's store, whole: `verify` hashes every one.
  const verified = await runCli(["verify"], { env: { MODELSMITH_HOME: bHome } });
  assert.equal(verified.exitCode, 0, verified.stdout + verified.stderr);

  // Again: everything is local now.
  const again = await build(bDir, bHome, [], { ...auth, MODELSMITH_CACHE_FROM: cache });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.ok(Object.values(sources(again)).every((s) => s === "local"), again.stdout);

  // Wrong credentials: a warning, and a local build.
  const dHome = path.join(tempDir(t), "home");
  const d = await build(fixtureCopy(t, "tiny"), dHome, ["--cache-from", cache], { MODELSMITH_REGISTRY_AUTH: "smith:wrong" });
  assert.equal(d.exitCode, 0, d.stderr);
  assert.match(d.stderr, /MS5700.*cannot read the remote build cache/);
  assert.ok(Object.values(sources(d)).every((s) => s === "computed"));

  // Tamper with the Q4_K_M blob in the registry's storage: same size, one byte changed.
  const q4 = JSON.parse(readFileSync(path.join(aHome, "cache", "build", `${json<Built>(a).steps.find((s) => s.step === "chat@q4_k_m")!.key.slice(7)}.json`), "utf8")) as { digest: string };
  const file = registry.blobFile(q4.digest);
  const bytes = readFileSync(file);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(file, bytes);
  const cDir = fixtureCopy(t, "tiny");
  const cHome = path.join(tempDir(t), "home");
  // With --cache-to, runner C uploads the good blob again; Distribution keeps the bytes it has under a digest
  // (https://github.com/distribution/distribution/blob/main/registry/storage/blobwriter.go, moveBlob: "If the path exists,
  // we can assume that the content has already been uploaded"), so C reads it back and says it cannot repair it (MS5800).
  const c = await build(cDir, cHome, ["--cache-from", cache, "--cache-to", cache], auth);
  assert.equal(c.exitCode, 0, c.stderr);
  assert.match(c.stderr, /warning\[MS5701\].*does not verify/);
  assert.match(c.stderr, /warning\[MS5800\].*cannot repair the remote cache entry.*still serves other bytes/);
  assert.equal(sources(c)["chat@q4_k_m"], "computed", "the tampered step is computed here");
  assert.equal(sources(c)["chat@q8_0"], "remote");
  assert.equal(readFileSync(path.join(cDir, "models.lock"), "utf8"), lock);
  const cVerified = await runCli(["verify"], { env: { MODELSMITH_HOME: cHome } });
  assert.equal(cVerified.exitCode, 0, "nothing unverified entered the store");

  // Different bytes under an entry's tag (the q8_0 quantize step's tag now holds the assembled chat:q8_0 entry):
  // runner F finds it wrong (MS5701), computes the step and, with --cache-to, writes the entry again.
  const keyOf = (step: string) => json<Built>(a).steps.find((s) => s.step === step)!.key.slice(7);
  const basic = { Authorization: `Basic ${Buffer.from("smith:s3cret").toString("base64")}` };
  const manifestUrl = (hex: string) => `http://${registry.host}/v2/ci/model-cache/manifests/ms-step-${hex}`;
  const OCI = "application/vnd.oci.image.manifest.v1+json";
  const other = await fetch(manifestUrl(keyOf("chat:q8_0")), { headers: { ...basic, Accept: OCI } });
  assert.equal(other.status, 200);
  const put = await fetch(manifestUrl(keyOf("chat@q8_0")), { method: "PUT", headers: { ...basic, "Content-Type": OCI }, body: Buffer.from(await other.arrayBuffer()) });
  assert.equal(put.status, 201);
  const f = await build(fixtureCopy(t, "tiny"), path.join(tempDir(t), "home"), ["--cache-from", cache, "--cache-to", cache], auth);
  assert.equal(f.exitCode, 0, f.stderr);
  assert.match(f.stderr, /warning\[MS5701\].*ms-step-[0-9a-f]+ \(quantize chat Q8_0\) does not verify: its config is not this step's/);
  assert.equal(sources(f)["chat@q8_0"], "computed");
  assert.equal(f.stderr.match(/warning\[MS5800\]/g)?.length ?? 0, 1, "only the Q4_K_M blob (damaged in storage) cannot be repaired");
  // Repaired: the next runner, reading only, takes the step from the cache without a warning about it.
  const gDir = fixtureCopy(t, "tiny");
  const g = await build(gDir, path.join(tempDir(t), "home"), ["--cache-from", cache], auth);
  assert.equal(g.exitCode, 0, g.stderr);
  assert.equal(sources(g)["chat@q8_0"], "remote", g.stderr);
  assert.doesNotMatch(g.stderr, /quantize chat Q8_0\) does not verify/);
  assert.equal(readFileSync(path.join(gDir, "models.lock"), "utf8"), lock);

  // The registry stops: the cache is a warning, the build local.
  await registry.stop();
  const eHome = path.join(tempDir(t), "home");
  const e = await build(fixtureCopy(t, "tiny"), eHome, ["--cache-from", cache, "--cache-to", cache], auth);
  assert.equal(e.exitCode, 0, e.stderr);
  assert.match(e.stderr, /warning\[MS5700\].*cannot read the remote build cache.*cannot reach/);
  assert.ok(Object.values(sources(e)).every((s) => s === "computed"));
  assert.equal(hasStackTrace(e.stderr), false);
});

