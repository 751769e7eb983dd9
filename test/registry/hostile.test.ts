/**
 * Issue 8, item 5: a hostile or broken registry on 127.0.0.1 is exit 3 with
 * one diagnostic, within its timeout, never a stack or exit 4, and leaves no
 * partial download behind:
 *
 * - a manifest over 4 MiB, the limit of the distribution project's reference
 *   registry (maxManifestBodySize = 4 << 20:
 *   https://github.com/distribution/distribution/blob/a8371794149d1d95f1e846744b05c87f2f825e5a/registry/handlers/manifests.go#L30),
 *   announced or streamed without end: MS5696, read no further;
 * - a layer of 2^50 bytes: refused before a byte is written (MS5109);
 * - a registry that never answers, or a blob that stops half way: MS5695
 *   after the header or idle timeout and its retries (set short by env).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { tempDir } from "../robustness/helpers.js";
import { startHostileRegistry } from "./hostile-server.js";

/** Short limits: 1 s to answer, 1 s of silence in a body, one retry after 50 ms. */
const QUICK = { MODELSMITH_HTTP_TIMEOUT: "1", MODELSMITH_HTTP_IDLE_TIMEOUT: "1", MODELSMITH_HTTP_RETRIES: "1", MODELSMITH_HTTP_BACKOFF: "0.05" };

async function pull(t: TestContext, ref: string) {
  const home = path.join(tempDir(t), "home");
  const started = Date.now();
  const r = await runCli(["pull", ref], { env: { MODELSMITH_HOME: home, ...QUICK } });
  const tmp = path.join(home, "tmp");
  return { ...r, seconds: (Date.now() - started) / 1000, tmp: existsSync(tmp) ? readdirSync(tmp) : [], home };
}

function assertEnvironmentError(r: { exitCode: number; stderr: string }, code: string, message: RegExp) {
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^error\\[${code}\\]: `, "m"));
  assert.match(r.stderr, message);
  assert.equal(hasStackTrace(r.stderr), false, r.stderr);
}

test("a manifest of 6 MiB (Content-Length) is refused unread: exit 3 MS5696", async (t) => {
  const reg = await startHostileRegistry(t);
  const r = await pull(t, `oci://${reg.host}/big/manifest:latest`);
  assertEnvironmentError(r, "MS5696", /sent a manifest .* of 6291456 bytes, more than the 4194304 a registry may send/);
  assert.equal(existsSync(path.join(r.home, "manifests")), false);
});

test("a manifest streamed without length or end is cut at 4 MiB: exit 3 MS5696", async (t) => {
  const reg = await startHostileRegistry(t);
  const r = await pull(t, `oci://${reg.host}/big/chunked:latest`);
  assertEnvironmentError(r, "MS5696", /of over 4194304 bytes, more than the 4194304 a registry may send/);
});

test("a layer of 2^50 bytes is refused before writing: exit 3 MS5109, no .part", async (t) => {
  const reg = await startHostileRegistry(t);
  const r = await pull(t, `oci://${reg.host}/huge/layer:latest`);
  assertEnvironmentError(r, "MS5109", /cannot download blob sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/huge\/layer: it needs 1\.0 PiB, and .* has [\d.]+ \w+ free/);
  assert.deepEqual(r.tmp.filter((f) => f.endsWith(".part")), [], "no preallocated part");
});

test("a registry that never answers: exit 3 MS5695 after the header timeout and one retry", async (t) => {
  const reg = await startHostileRegistry(t);
  const r = await pull(t, `oci://${reg.host}/stall/headers:latest`);
  assertEnvironmentError(r, "MS5695", /127\.0\.0\.1:\d+ did not answer within 1 s \(manifest stall\/headers:latest\)/);
  assert.equal(reg.requests.filter((q) => q.includes("/stall/headers/")).length, 2, "tried twice (MODELSMITH_HTTP_RETRIES=1)");
  assert.ok(r.seconds < 30, `gave up in ${r.seconds} s`);
});

test("a blob that stops half way: exit 3 MS5695 after the idle timeout and one retry; the part is kept to resume", async (t) => {
  const reg = await startHostileRegistry(t);
  const r = await pull(t, `oci://${reg.host}/stall/blob:latest`);
  assertEnvironmentError(r, "MS5695", /127\.0\.0\.1:\d+ stopped sending for 1 s \(blob sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/stall\/blob\)/);
  const asked = new Map<string, number>();
  for (const q of reg.requests.filter((q) => q.startsWith("GET /v2/stall/blob/blobs/"))) asked.set(q, (asked.get(q) ?? 0) + 1);
  assert.deepEqual([...asked.values()].sort(), [1, 2], `the config once, the model blob twice (the retry resumes): ${reg.requests.join(", ")}`);
  assert.deepEqual(r.tmp.filter((f) => /^download-[0-9a-f]{64}\.(part|json)$/.test(f)).length, 2, `the part and its state stay to resume: ${r.tmp.join(", ")}`);
  assert.ok(r.seconds < 30, `gave up in ${r.seconds} s`);
  assert.equal(existsSync(path.join(r.home, "manifests")), false);
});
