/**
 * `FROM hf://org/repo/file.gguf[@revision]` against a fake Hub on loopback
 * (the revision API, `resolve/` with X-Repo-Commit, X-Linked-Etag and
 * X-Linked-Size, a 302 to a CDN with range support), through the CLI.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { hasStackTrace } from "../helpers/cli.js";
import { blobs, expectedText, manifests, ms, oracleBytes, project, tmpFiles } from "./helpers.js";
import { fakeHub } from "./servers.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const OTHER = { text: "The quick brown cat sleeps under a warm sun." };

test("hf:// builds, runs the oracle's text, pins commit and sha256; a moved main is drift for lock --check --update; build and --frozen stay on the pinned commit until lock --update", async (t) => {
  const hub = await fakeHub(t);
  const v1 = await oracleBytes();
  const c1 = hub.commit("org/repo", { "oracle.gguf": v1 });
  const { dir, home } = project(t, "hf://org/repo/oracle.gguf");
  const env = { HF_ENDPOINT: hub.url };

  const built = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  assert.match(lock, new RegExp(`^ {2}hf://org/repo/oracle\\.gguf@main:\\n {4}digest: sha256:${sha256(v1)}\\n {4}locator: hf://org/repo/oracle\\.gguf@${c1}\\n {4}size: ${v1.length}\\n`, "m"));
  assert.ok(blobs(home).includes(`sha256:${sha256(v1)}`));
  const run = await ms(["run", "m", "The quick brown"], home);
  assert.deepEqual([run.exitCode, run.stdout], [0, expectedText()], run.stderr);
  assert.equal(expectedText(), " fox jumps over the lazy dog\n");

  // main moves to a new commit with other bytes.
  const v2 = await oracleBytes(OTHER);
  const c2 = hub.commit("org/repo", { "oracle.gguf": v2 });
  const kept = await ms(["lock", "--check", "-C", dir], home, env);
  assert.equal(kept.exitCode, 0, `the lock still names what the project builds: ${kept.stderr}`);
  const check = await ms(["lock", "--check", "--update", "-C", dir], home, env);
  assert.equal(check.exitCode, 1, check.stderr);
  assert.match(check.stderr, new RegExp(`~ reference hf://org/repo/oracle\\.gguf@main: .*locator hf://org/repo/oracle\\.gguf@${c1} -> hf://org/repo/oracle\\.gguf@${c2}`));
  assert.match(check.stderr, new RegExp(`digest sha256:${sha256(v1)} -> sha256:${sha256(v2)}`));
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lock);

  // --frozen into an empty store: it fetches the pinned commit's file, not main's.
  const frozenHome = path.join(dir, ".home-frozen");
  hub.seen.length = 0;
  const frozen = await ms(["build", "--frozen", "-C", dir, "--no-test"], frozenHome, env);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.deepEqual(blobs(frozenHome).filter((b) => b === `sha256:${sha256(v1)}` || b === `sha256:${sha256(v2)}`), [`sha256:${sha256(v1)}`]);
  assert.ok(hub.seen.every((s) => s.path.includes(`/resolve/${c1}/`)), JSON.stringify(hub.seen));
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lock);
  const frozenRun = await ms(["run", "m", "The quick brown"], frozenHome);
  assert.equal(frozenRun.stdout, expectedText());

  // A plain build keeps the lock's commit; `lock --update` moves it, and the next build follows main.
  const stays = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(stays.exitCode, 0, stays.stderr);
  assert.equal(readFileSync(path.join(dir, "models.lock"), "utf8"), lock);
  assert.equal((await ms(["run", "m", "The quick brown"], home)).stdout, expectedText());
  const updated = await ms(["lock", "--update", "hf://org/repo/oracle.gguf", "-C", dir], home, env);
  assert.equal(updated.exitCode, 0, updated.stderr);
  const moved = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(moved.exitCode, 0, moved.stderr);
  assert.match(readFileSync(path.join(dir, "models.lock"), "utf8"), new RegExp(`locator: hf://org/repo/oracle\\.gguf@${c2}\\n`));
  const run2 = await ms(["run", "m", "The quick brown"], home);
  assert.equal(run2.stdout, expectedText(OTHER));
  assert.equal(run2.stdout, " cat sleeps under a warm sun\n");
});

test("a download broken off mid-way resumes on the next run from where it stopped; the store verifies", async (t) => {
  const hub = await fakeHub(t);
  const bytes = await oracleBytes();
  hub.commit("org/repo", { "oracle.gguf": bytes });
  const { dir, home } = project(t, "hf://org/repo/oracle.gguf");
  const env = { HF_ENDPOINT: hub.url };
  const cut = Math.floor(bytes.length * 0.6);
  hub.cdn.breakOnceAfter = cut;

  // No retry within the run (MODELSMITH_HTTP_RETRIES=0): the next run must resume.
  const broken = await ms(["build", "-C", dir, "--no-test"], home, { ...env, MODELSMITH_HTTP_RETRIES: "0" });
  assert.equal(broken.exitCode, 3, broken.stderr);
  assert.match(broken.stderr, /error\[MS5601\]: cannot download hf:\/\/org\/repo\/oracle\.gguf@main: the connection (broke off|ended) after \d+ of \d+ bytes/);
  assert.match(broken.stderr, /hint: run again: the download resumes/);
  assert.equal(hasStackTrace(broken.stderr), false, broken.stderr);
  assert.deepEqual([blobs(home), manifests(home)], [[], []]);

  const again = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.ok(hub.cdn.sent < 2 * bytes.length, `sent ${hub.cdn.sent} for a file of ${bytes.length}`);
  // Resumed within the 16 MiB chunk: what came before the cut is not sent again.
  assert.ok(hub.cdn.sent <= bytes.length + 256 * 1024, `sent ${hub.cdn.sent} for a file of ${bytes.length}`);
  const resumedFrom = hub.cdn.seen.filter((s) => s.method === "GET").at(-1)!.range!;
  assert.match(resumedFrom, /^bytes=(\d+)-/);
  assert.ok(Number(/^bytes=(\d+)-/.exec(resumedFrom)![1]) > 0, resumedFrom);
  assert.ok(blobs(home).includes(`sha256:${sha256(bytes)}`));
  assert.deepEqual(tmpFiles(home).filter((f) => f.startsWith("download-")), []);
  const verify = await ms(["verify"], home);
  assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
});

test("a download broken off mid-way is asked for again within the run, from where it stopped (retries)", async (t) => {
  const hub = await fakeHub(t);
  const bytes = await oracleBytes();
  hub.commit("org/repo", { "oracle.gguf": bytes });
  const { dir, home } = project(t, "hf://org/repo/oracle.gguf");
  hub.cdn.breakOnceAfter = Math.floor(bytes.length * 0.6);
  const built = await ms(["build", "-C", dir, "--no-test"], home, { HF_ENDPOINT: hub.url, MODELSMITH_HTTP_BACKOFF: "0.01" });
  assert.equal(built.exitCode, 0, built.stderr);
  assert.ok(hub.cdn.sent <= bytes.length + 256 * 1024, `sent ${hub.cdn.sent} for a file of ${bytes.length}`);
  assert.ok(blobs(home).includes(`sha256:${sha256(bytes)}`));
});

test("a CDN that sends other bytes than the Hub's sha256: exit 3 MS5602, no blob, no manifest", async (t) => {
  const hub = await fakeHub(t);
  const bytes = await oracleBytes();
  hub.commit("org/repo", { "oracle.gguf": bytes });
  hub.cdn.lie = () => Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([bytes.at(-1)! ^ 1])]);
  const { dir, home } = project(t, "hf://org/repo/oracle.gguf");
  const r = await ms(["build", "-C", dir, "--no-test"], home, { HF_ENDPOINT: hub.url });
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`error\\[MS5602\\]: the bytes downloaded for hf://org/repo/oracle\\.gguf@main do not match sha256:${sha256(bytes)}: nothing was stored`));
  assert.deepEqual([blobs(home), manifests(home), tmpFiles(home).filter((f) => f.startsWith("download-"))], [[], [], []]);
});

test("HF_TOKEN goes to the Hub, not to the CDN on another host; a gated repo without it is exit 3 with a hint", async (t) => {
  const hub = await fakeHub(t);
  const bytes = await oracleBytes();
  hub.commit("org/gated", { "oracle.gguf": bytes }, "main", { token: "hf_secret" });
  const { dir, home } = project(t, "hf://org/gated/oracle.gguf");

  const denied = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url });
  assert.equal(denied.exitCode, 3, denied.stderr);
  assert.match(denied.stderr, /Modelfile:1:6: error\[MS5641\]: cannot read hf:\/\/org\/gated\/oracle\.gguf@main: org\/gated is a gated repository \(the Hub answered 401\)/);
  assert.match(denied.stderr, /hint: accept its conditions at http:\/\/127\.0\.0\.1:\d+\/org\/gated, then set HF_TOKEN to an access token/);
  const wrong = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_other" });
  assert.equal(wrong.exitCode, 3, wrong.stderr);
  assert.match(wrong.stderr, /hint: HF_TOKEN cannot read org\/gated/);

  hub.seen.length = 0;
  const r = await ms(["build", "-C", dir, "--no-test"], home, { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_secret" });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(hub.seen.length >= 2 && hub.seen.every((s) => s.authorization === "Bearer hf_secret"), JSON.stringify(hub.seen));
  assert.ok(hub.cdn.seen.length >= 1 && hub.cdn.seen.every((s) => s.authorization === undefined), JSON.stringify(hub.cdn.seen));
  assert.ok(blobs(home).includes(`sha256:${sha256(bytes)}`));
});

test("a CDN path on the Hub's own origin; a file kept in git (no X-Linked-Etag) is downloaded and hashed; a wrong @sha256: pin is exit 2", async (t) => {
  const hub = await fakeHub(t, { cdn: "same" });
  const bytes = await oracleBytes();
  hub.commit("org/repo", { "lfs/oracle.gguf": bytes, "git/oracle.gguf": bytes });
  const same = project(t, "hf://org/repo/lfs/oracle.gguf");
  const r = await ms(["build", "-C", same.dir, "--no-test"], same.home, { HF_ENDPOINT: hub.url });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(hub.cdn.seen.length >= 1);

  hub.lfsFrom = Infinity;
  const git = project(t, "hf://org/repo/git/oracle.gguf");
  const g = await ms(["lock", "-C", git.dir], git.home, { HF_ENDPOINT: hub.url });
  assert.equal(g.exitCode, 0, g.stderr);
  assert.match(readFileSync(path.join(git.dir, "models.lock"), "utf8"), new RegExp(`digest: sha256:${sha256(bytes)}\\n`));
  assert.ok(blobs(git.home).includes(`sha256:${sha256(bytes)}`));

  hub.lfsFrom = 0;
  const pinned = project(t, `hf://org/repo/lfs/oracle.gguf@main@sha256:${"ab".repeat(32)}`);
  const p = await ms(["lock", "-C", pinned.dir], pinned.home, { HF_ENDPOINT: hub.url });
  assert.equal(p.exitCode, 2, p.stderr);
  assert.match(p.stderr, new RegExp(`error\\[MS5205\\]: hf://org/repo/lfs/oracle\\.gguf@main@sha256:${"ab".repeat(32)} is pinned to sha256:${"ab".repeat(32)}, but its bytes have digest sha256:${sha256(bytes)}`));
  assert.deepEqual(blobs(pinned.home), []);
});

test("a missing repository, revision or file is exit 2 naming which (anonymous: 401, exit 3 with the HF_TOKEN hint); a bad HF_ENDPOINT is exit 3", async (t) => {
  const hub = await fakeHub(t);
  hub.commit("org/repo", { "oracle.gguf": Buffer.from("GGUF") });
  const cases: [string, string][] = [
    ["hf://org/nope/oracle.gguf", "error\\[MS5642\\]: Hugging Face repository org/nope not found"],
    ["hf://org/repo/oracle.gguf@v9", "error\\[MS5643\\]: revision `v9` not found in org/repo"],
    ["hf://org/repo/missing.gguf", "error\\[MS5644\\]: file `missing.gguf` not found in org/repo at [0-9a-f]{12}"],
  ];
  for (const [from, message] of cases) {
    const { dir, home } = project(t, from);
    const r = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_any" });
    assert.equal(r.exitCode, 2, `${from}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`Modelfile:1:6: ${message}`), from);
    assert.equal(hasStackTrace(r.stderr), false);
  }
  // Without a token the Hub cannot say whether a repository is missing or private.
  const anon = project(t, "hf://org/nope/oracle.gguf");
  const a = await ms(["lock", "-C", anon.dir], anon.home, { HF_ENDPOINT: hub.url });
  assert.equal(a.exitCode, 3, a.stderr);
  assert.match(a.stderr, /error\[MS5641\]: cannot read hf:\/\/org\/nope\/oracle\.gguf@main: repository org\/nope was not found, or is private \(the Hub answered 401\)/);
  assert.match(a.stderr, /hint: set HF_TOKEN/);
  const { dir, home } = project(t, "hf://org/repo/oracle.gguf");
  const bad = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: "http://hub.example.com" });
  assert.equal(bad.exitCode, 3, bad.stderr);
  assert.match(bad.stderr, /error\[MS5640\]: HF_ENDPOINT=http:\/\/hub\.example\.com is not a usable Hub URL/);
});
