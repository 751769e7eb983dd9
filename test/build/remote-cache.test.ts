/**
 * Bad remote build cache references are bad input (exit 2, MS5703), before
 * anything is built: from the command line, and from modelsmith.yaml with
 * the position of `cache.to`. (The cache itself: remote-cache.slow.test.ts.)
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { parseCacheRepo, entryTag } from "../../src/build/remote-cache.js";
import { fixtureCopy, tempDir } from "./helpers.js";

function build(dir: string, home: string, args: string[]) {
  return runCli(["build", "-C", dir, "--json", ...args], { env: { MODELSMITH_HOME: home } });
}

test("a cache is oci://host/repository: no other scheme, no tag, no digest", () => {
  assert.deepEqual(parseCacheRepo({ text: "oci://127.0.0.1:5000/ci/cache", origin: "--cache-to" }), { host: "127.0.0.1:5000", repository: "ci/cache", text: "oci://127.0.0.1:5000/ci/cache" });
  for (const text of ["127.0.0.1:5000/cache", "ollama://127.0.0.1:5000/a/b", "oci://127.0.0.1:5000/cache:v1", `oci://h.example/cache@sha256:${"a".repeat(64)}`]) {
    assert.throws(() => parseCacheRepo({ text, origin: "--cache-to" }), /MS5703/, text);
  }
  // A tag the distribution spec allows: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
  // (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
  assert.match(entryTag(`sha256:${"ab".repeat(32)}`), /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/);
});

test("bad cache references are exit 2 (MS5703), from the command line and from modelsmith.yaml with its position", async (t) => {
  const home = path.join(tempDir(t), "home");
  const flag = await build(fixtureCopy(t, "tiny"), home, ["--cache-from", "127.0.0.1:5000/cache"]);
  assert.equal(flag.exitCode, 2, flag.stderr);
  assert.match(flag.stdout, /MS5703/);
  assert.match(flag.stdout, /--cache-from/);

  const dir = fixtureCopy(t, "tiny");
  const yaml = readFileSync(path.join(dir, "modelsmith.yaml"), "utf8");
  writeFileSync(path.join(dir, "modelsmith.yaml"), `${yaml}\ncache:\n  to: oci://127.0.0.1:5000/cache:v1\n`);
  const r = await runCli(["build", "-C", dir], { env: { MODELSMITH_HOME: home } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /error\[MS5703\]: cache\.to "oci:\/\/127\.0\.0\.1:5000\/cache:v1": a cache repository takes no tag or digest/);
  assert.match(r.stderr, /modelsmith\.yaml:\d+:\d+/);
  assert.equal(hasStackTrace(r.stderr), false);
});
