/**
 * `FROM https://…/x.gguf[#sha256=…]` (plain http on loopback) against a local
 * file server, through the CLI: pinned URLs cost a HEAD to resolve, unpinned
 * ones are downloaded, hashed and pinned; what is not GGUF, or not the pinned
 * bytes, leaves nothing in the store.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace } from "../helpers/cli.js";
import { blobs, expectedText, manifests, ms, oracleBytes, project, tmpFiles } from "./helpers.js";
import { fileServer } from "./servers.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("a #sha256= URL resolves with one HEAD, builds, and runs the oracle's text", async (t) => {
  const bytes = await oracleBytes();
  const files = await fileServer(t, { "/m/oracle.gguf": bytes });
  const ref = `${files.url}/m/oracle.gguf#sha256=${sha256(bytes)}`;
  const { dir, home } = project(t, ref);

  const built = await ms(["build", "-C", dir, "--no-test"], home);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`^ {2}${ref.replace(/[.?*+]/g, "\\$&")}:\\n {4}digest: sha256:${sha256(bytes)}\\n {4}locator: ${ref.replace(/[.?*+]/g, "\\$&")}\\n {4}size: ${bytes.length}\\n`, "m"));
  // Resolving: a HEAD; fetching: range GETs of exactly the file.
  assert.equal(files.seen[0]!.method, "HEAD");
  assert.ok(files.seen.slice(1).every((s) => s.method === "GET" && s.range !== undefined), JSON.stringify(files.seen));
  assert.equal(files.sent, bytes.length);
  files.seen.length = 0;
  const check = await ms(["lock", "--check", "-C", dir], path.join(dir, ".home-empty"));
  assert.equal(check.exitCode, 0, check.stderr);
  assert.deepEqual(files.seen.map((s) => s.method), [], "the lock's pin is kept: nothing is asked of the server");
  const update = await ms(["lock", "--check", "--update", "-C", dir], path.join(dir, ".home-empty"));
  assert.equal(update.exitCode, 0, update.stderr);
  assert.deepEqual(files.seen.map((s) => s.method), ["HEAD"], "resolved afresh: one HEAD");
  assert.equal(files.sent, bytes.length);
  const run = await ms(["run", "m", "The quick brown"], home);
  assert.deepEqual([run.exitCode, run.stdout], [0, expectedText()], run.stderr);
});

test("an unpinned URL is downloaded, hashed and pinned; resolving it again costs a HEAD while its ETag holds", async (t) => {
  const bytes = await oracleBytes();
  const files = await fileServer(t, { "/oracle.gguf": bytes });
  const { dir, home } = project(t, `${files.url}/oracle.gguf`);

  const built = await ms(["build", "-C", dir, "--no-test"], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  assert.ok(lock.includes(`  ${files.url}/oracle.gguf:\n    digest: sha256:${sha256(bytes)}\n    locator: ${files.url}/oracle.gguf#sha256=${sha256(bytes)}\n    size: ${bytes.length}\n`), lock);
  assert.equal(files.sent, bytes.length);
  assert.deepEqual(tmpFiles(home).filter((f) => f.startsWith("fetch-")), []);

  const check = await ms(["lock", "--check", "--update", "-C", dir], home);
  assert.equal(check.exitCode, 0, check.stderr);
  assert.equal(files.sent, bytes.length, "not downloaded again");
  assert.equal(files.seen.at(-1)!.method, "HEAD");

  // Other bytes at the same URL: the lock keeps its pin; resolved afresh, they are drift.
  const other = await oracleBytes({ text: "The quick brown cat sleeps under a warm sun." });
  files.files.set("/oracle.gguf", other);
  assert.equal((await ms(["lock", "--check", "-C", dir], home)).exitCode, 0);
  const moved = await ms(["lock", "--check", "--update", "-C", dir], home);
  assert.equal(moved.exitCode, 1, moved.stderr);
  assert.match(moved.stderr, new RegExp(`digest sha256:${sha256(bytes)} -> sha256:${sha256(other)}`));
  const run = await ms(["run", "m", "The quick brown"], home);
  assert.equal(run.stdout, expectedText());
});

test("an unpinned download broken off resumes with If-Range from where it stopped", async (t) => {
  const bytes = await oracleBytes();
  const files = await fileServer(t, { "/oracle.gguf": bytes });
  files.breakOnceAfter = Math.floor(bytes.length / 2);
  const { dir, home } = project(t, `${files.url}/oracle.gguf`);
  const broken = await ms(["lock", "-C", dir], home);
  assert.equal(broken.exitCode, 3, broken.stderr);
  assert.match(broken.stderr, /Modelfile:1:6: error\[MS5601\]: cannot download .*: the connection (broke off|ended) after \d+/);
  assert.equal(hasStackTrace(broken.stderr), false, broken.stderr);
  assert.deepEqual(blobs(home), []);
  const again = await ms(["lock", "-C", dir], home);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.ok(files.sent < 2 * bytes.length, `sent ${files.sent} of ${bytes.length}`);
  assert.ok(files.sent <= bytes.length + 256 * 1024, `sent ${files.sent} of ${bytes.length}`);
  assert.match(files.seen.at(-1)!.range ?? "", /^bytes=[1-9]\d*-$/);
  assert.ok(blobs(home).includes(`sha256:${sha256(bytes)}`));
});

test("a URL that is not GGUF is exit 2 and stores nothing; bytes other than the #sha256= pin are exit 3 MS5602 and store nothing", async (t) => {
  const bytes = await oracleBytes();
  const files = await fileServer(t, { "/model.safetensors": Buffer.from('{"__metadata__":{}}'.padEnd(4096, " ")), "/oracle.gguf": bytes });

  const notGguf = project(t, `${files.url}/model.safetensors`);
  const r = await ms(["build", "-C", notGguf.dir, "--no-test"], notGguf.home);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /Modelfile:1:6: error\[MS5646\]: http:\/\/127\.0\.0\.1:\d+\/model\.safetensors is not a GGUF file \(it does not start with "GGUF"\): nothing was stored/);
  assert.match(r.stderr, /hint: point the reference at a \.gguf file/);
  assert.deepEqual([blobs(notGguf.home), manifests(notGguf.home), tmpFiles(notGguf.home)], [[], [], []]);

  const wrong = "cd".repeat(32);
  const pinned = project(t, `${files.url}/oracle.gguf#sha256=${wrong}`);
  const p = await ms(["build", "-C", pinned.dir, "--no-test"], pinned.home);
  assert.equal(p.exitCode, 3, p.stderr);
  assert.match(p.stderr, new RegExp(`error\\[MS5602\\]: the bytes downloaded for .*/oracle\\.gguf#sha256=${wrong} do not match sha256:${wrong}: nothing was stored`));
  assert.deepEqual([blobs(pinned.home), manifests(pinned.home), tmpFiles(pinned.home).filter((f) => !f.endsWith(".lock"))], [[], [], []]);
});
