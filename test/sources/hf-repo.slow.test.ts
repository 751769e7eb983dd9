/**
 * `FROM hf://org/repo[@revision]` end to end against a fake Hub on loopback
 * (servers.ts), through the CLI: builds, runs, models.lock pins, revision
 * pinning, --frozen, --offline, and a download killed with SIGKILL that
 * resumes. Slow: a dozen CLI runs, generation included, and a 20 MiB shard.
 *
 * The shapes are the Hub's as its clients read them:
 * - tree entries `{type, oid, size, path, lfs?: {oid, size, pointerSize}}`, next page in `Link: <…>; rel="next"`:
 *   https://github.com/huggingface/huggingface.js/blob/main/packages/hub/src/lib/list-files.ts#L9-L36 and #L70-L90
 * - the files a checkpoint is loaded from (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, CONFIG_NAME):
 *   https://github.com/huggingface/transformers/blob/main/src/transformers/utils/__init__.py
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { convertCheckpoint } from "../../src/convert/convert.js";
import { writeTestCheckpoint } from "../convert/helpers.js";
import { fromRoot } from "../helpers/paths.js";
import { blobs, expectedText, manifests, ms, oracleBytes, project, tmpFiles } from "./helpers.js";
import { fakeHub } from "./servers.js";

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const OTHER = { text: "The quick brown cat sleeps under a warm sun." };
const lockOf = (dir: string) => readFileSync(path.join(dir, "models.lock"), "utf8");

test("(fake Hub) hf://org/repo holding one GGUF: builds and runs, models.lock pins the commit and the file; a later commit on main changes no locked build; --frozen refuses a lock change; --offline uses only the store", async (t) => {
  const hub = await fakeHub(t);
  hub.treePage = 1; // four entries (a folder among them), four pages: the client must follow Link.
  hub.lfsFrom = 1024;
  const v1 = await oracleBytes();
  const readme = Buffer.from("# oracle\n");
  const c1 = hub.commit("org/repo", { "README.md": readme, "gguf/oracle.gguf": v1, ".gitattributes": Buffer.from("*.gguf filter=lfs\n") });
  const { dir, home } = project(t, "hf://org/repo");
  const env = { HF_ENDPOINT: hub.url };

  const built = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = lockOf(dir);
  assert.match(
    lock,
    new RegExp(`^ {2}hf://org/repo@main:\\n {4}digest: sha256:${sha256(v1)}\\n {4}files:\\n {6}- digest: sha256:${sha256(v1)}\\n {8}path: gguf/oracle\\.gguf\\n {8}size: ${v1.length}\\n {4}locator: hf://org/repo@${c1}\\n {4}size: ${v1.length}\\n`, "m"),
    lock,
  );
  assert.equal(hub.seen.filter((s) => s.path.includes("/tree/")).length, 4, JSON.stringify(hub.seen));
  assert.ok(blobs(home).includes(`sha256:${sha256(v1)}`));
  assert.ok(!blobs(home).includes(`sha256:${sha256(readme)}`), "README.md is not downloaded");
  assert.equal((await ms(["run", "m", "The quick brown"], home)).stdout, expectedText());

  // main moves on: a plain build and --frozen keep the locked commit.
  const v2 = await oracleBytes(OTHER);
  const c2 = hub.commit("org/repo", { "gguf/oracle.gguf": v2 });
  const again = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(lockOf(dir), lock);
  assert.equal((await ms(["run", "m", "The quick brown"], home)).stdout, expectedText());
  const frozenHome = path.join(dir, ".home-frozen");
  hub.seen.length = 0;
  const frozen = await ms(["build", "--frozen", "-C", dir, "--no-test"], frozenHome, env);
  assert.equal(frozen.exitCode, 0, frozen.stderr);
  assert.ok(hub.seen.length > 0 && hub.seen.every((s) => s.path === `/org/repo/resolve/${c1}/gguf/oracle.gguf`), JSON.stringify(hub.seen));
  assert.ok(blobs(frozenHome).includes(`sha256:${sha256(v1)}`) && !blobs(frozenHome).includes(`sha256:${sha256(v2)}`));
  assert.equal(lockOf(dir), lock);

  // --offline: only the store; nothing asked of the Hub; an empty store is MS5203.
  hub.seen.length = 0;
  hub.cdn.seen.length = 0;
  const offline = await ms(["build", "--offline", "-C", dir, "--no-test"], home, env);
  assert.equal(offline.exitCode, 0, offline.stderr);
  assert.deepEqual([hub.seen, hub.cdn.seen], [[], []]);
  const empty = await ms(["build", "--offline", "-C", dir, "--no-test"], path.join(dir, ".home-empty"), env);
  assert.equal(empty.exitCode, 3, empty.stderr);
  assert.match(empty.stderr, new RegExp(`error\\[MS5203\\]: hf://org/repo@main is pinned in models\\.lock, but its file gguf/oracle\\.gguf \\(sha256:${sha256(v1)}\\) is not in the store, and --offline refuses the network`));
  assert.deepEqual([hub.seen, hub.cdn.seen], [[], []]);

  // A FROM the lock does not pin: --frozen refuses to change the lock (exit 1), and writes nothing.
  writeFileSync(path.join(dir, "Modelfile"), readFileSync(path.join(dir, "Modelfile"), "utf8").replace("FROM hf://org/repo\n", `FROM hf://org/repo@${c2}\n`));
  const refused = await ms(["build", "--frozen", "-C", dir, "--no-test"], home, env);
  assert.equal(refused.exitCode, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`\\+ reference hf://org/repo@${c2}: digest sha256:${sha256(v2)}`));
  assert.equal(lockOf(dir), lock);
  // Without --frozen the commit named in FROM is what builds.
  const pinned = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(pinned.exitCode, 0, pinned.stderr);
  assert.match(lockOf(dir), new RegExp(`locator: hf://org/repo@${c2}\\n`));
  assert.equal((await ms(["run", "m", "The quick brown"], home)).stdout, expectedText(OTHER));
});

test("(fake Hub) FROM hf://org/repo, a safetensors checkpoint: a build killed (SIGKILL) mid-download resumes where it stopped, converts, and gives the GGUF a local conversion gives; models.lock pins config, tokenizer, index and shards (not README or other weights); verify passes; --offline needs nothing more", { timeout: 300_000 }, async (t) => {
  const local = mkdtempSync(path.join(tmpdir(), "modelsmith-ckpt-"));
  t.after(() => rmSync(local, { recursive: true, force: true }));
  // A random-weight llama (byte-level BPE tokenizer, two shards) whose first shard spans two 16 MiB ranges.
  await writeTestCheckpoint(local, "llama", "bpe", { hidden: 256, heads: 4, kvHeads: 2, ffn: 12288, layers: 2 });
  const files: Record<string, Buffer> = Object.fromEntries(readdirSync(local).map((n) => [n, readFileSync(path.join(local, n))]));
  const picked = Object.keys(files).sort();
  assert.deepEqual(picked, ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json"]);
  const big = "model-00001-of-00002.safetensors";
  assert.ok(files[big]!.length > 16 << 20, `${big} has ${files[big]!.length} bytes`);
  const expected = path.join(local, "expected.gguf");
  const converted = await convertCheckpoint({ dir: local, outPath: expected, outType: "F16" });

  const hub = await fakeHub(t);
  hub.lfsFrom = 64 * 1024; // the JSON files are kept in git (no sha256 in the listing): hashed as they are downloaded
  const readme = Buffer.from("# tiny\n");
  const consolidated = randomBytes(100 * 1024);
  const c1 = hub.commit("org/tiny", { ...files, "README.md": readme, "consolidated.safetensors": consolidated, "original/params.json": Buffer.from("{}") });
  const { dir, home } = project(t, "hf://org/tiny");
  const env = { HF_ENDPOINT: hub.url };

  // The first shard hangs after its first 16 MiB range arrived; then the build is killed.
  hub.cdn.stall = (p, range) => p === `/cdn/${sha256(files[big]!)}` && range !== undefined && !/^bytes=0-/.test(range);
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "build", "-C", dir, "--no-test"], { env: { ...process.env, CI: "1", MODELSMITH_HOME: home, HF_ENDPOINT: hub.url }, stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  const state = path.join(home, "tmp", `download-${sha256(files[big]!)}.json`);
  for (let i = 0; ; i++) {
    const done = existsSync(state) ? ((JSON.parse(readFileSync(state, "utf8") || "{}") as { done?: number[] }).done ?? []) : [];
    if (done.length > 0) break;
    assert.ok(i < 6000, "the first range of the shard never arrived");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await exited;
  const before = new Set(blobs(home));
  assert.ok(before.has(`sha256:${sha256(files["config.json"]!)}`) && !before.has(`sha256:${sha256(files[big]!)}`), [...before].join(" "));
  assert.deepEqual(manifests(home), []);

  hub.cdn.stall = undefined;
  hub.cdn.seen.length = 0;
  const resumed = await ms(["build", "-C", dir, "--no-test"], home, env);
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  for (const s of hub.cdn.seen.filter((x) => x.method === "GET")) {
    assert.ok(!before.has(`sha256:${s.path.slice("/cdn/".length)}`), `fetched again: ${s.path}`);
    if (s.path === `/cdn/${sha256(files[big]!)}`) assert.doesNotMatch(s.range ?? "", /^bytes=0-/, "the first range is not fetched again");
  }
  assert.ok(hub.cdn.seen.some((s) => s.path === `/cdn/${sha256(files[big]!)}`));
  // The model layer is the GGUF a conversion of the same folder gives.
  assert.ok(blobs(home).includes(converted.digest), `${converted.digest} not among ${blobs(home).join(" ")}`);
  for (const other of [readme, consolidated]) assert.ok(!blobs(home).includes(`sha256:${sha256(other)}`), "a file the checkpoint does not need was downloaded");
  assert.deepEqual(tmpFiles(home).filter((f) => f.startsWith("download-") || f.startsWith("checkpoint-")), []);
  const verify = await ms(["verify"], home);
  assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
  const ran = await ms(["run", "m", "the quick brown"], home);
  assert.equal(ran.exitCode, 0, ran.stderr);

  const canonical = JSON.stringify({ files: picked.map((p) => ({ digest: `sha256:${sha256(files[p]!)}`, path: p, size: files[p]!.length })) });
  const filesYaml = picked.map((p) => `      - digest: sha256:${sha256(files[p]!)}\n        path: ${p}\n        size: ${files[p]!.length}\n`).join("");
  const lock = lockOf(dir);
  assert.ok(lock.includes(`  hf://org/tiny@main:\n    digest: sha256:${sha256(canonical)}\n    files:\n${filesYaml}    locator: hf://org/tiny@${c1}\n    size: ${canonical.length}\n`), lock);

  // Rebuilt --offline: the convert step is cached, nothing is asked of the Hub.
  hub.seen.length = 0;
  hub.cdn.seen.length = 0;
  const offline = await ms(["build", "--offline", "-C", dir, "--no-test"], home, env);
  assert.equal(offline.exitCode, 0, offline.stderr);
  assert.deepEqual([hub.seen, hub.cdn.seen], [[], []]);
  assert.equal(lockOf(dir), lock);
});
