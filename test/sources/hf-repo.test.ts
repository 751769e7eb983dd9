/**
 * `FROM hf://org/repo[@revision]`, a whole repository: which files it
 * contributes (pure), how models.lock records them, and the Hub's tree API
 * and errors against a fake Hub on loopback (servers.ts). End-to-end builds,
 * SIGKILL resume, --frozen and --offline: hf-repo.slow.test.ts.
 *
 * The shapes are the Hub's as its clients read them:
 * - tree entries `{type, oid, size, path, lfs?: {oid, size, pointerSize}}`, next page in `Link: <…>; rel="next"`:
 *   https://github.com/huggingface/huggingface.js/blob/main/packages/hub/src/lib/list-files.ts#L9-L36 and #L70-L90
 * - the files a checkpoint is loaded from (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, CONFIG_NAME):
 *   https://github.com/huggingface/transformers/blob/main/src/transformers/utils/__init__.py
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseLock } from "../../src/lock/parse.js";
import { serializeLock } from "../../src/lock/serialize.js";
import { hubFor, listRepoTree } from "../../src/registry/hf-hub.js";
import { checkpointIndex, isCheckpointPin, selectRepoFiles, shardsOfIndex } from "../../src/resolve/checkpoint.js";
import { checkpointDirOf, materializeCheckpoint } from "../../src/resolve/sources/materialize.js";
import { Store } from "../../src/store/store.js";
import { hasStackTrace } from "../helpers/cli.js";
import { ms, project } from "./helpers.js";
import { fakeHub } from "./servers.js";

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const listed = (...paths: string[]) => paths.map((p) => ({ path: p, size: 1 }));

test("selectRepoFiles: a checkpoint as transformers saves it (index first, else model.safetensors), with its tokenizer and extras; else the one GGUF; else a problem naming what is there", () => {
  assert.deepEqual(selectRepoFiles(listed("README.md", "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "pytorch_model.bin", "onnx/model.onnx"), "hf://o/r@main"), {
    kind: "checkpoint",
    files: ["config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"],
  });
  assert.deepEqual(
    selectRepoFiles(listed("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "consolidated.safetensors", "tokenizer.json", "generation_config.json", "special_tokens_map.json", "chat_template.jinja", "original/tokenizer.model"), "hf://o/r@main"),
    { kind: "checkpoint", files: ["chat_template.jinja", "config.json", "generation_config.json", "model.safetensors.index.json", "special_tokens_map.json", "tokenizer.json"], index: "model.safetensors.index.json" },
  );
  // A GGUF repository that also carries a config.json is still a GGUF repository when it has no safetensors weights.
  assert.deepEqual(selectRepoFiles(listed("config.json", "README.md", "q/model-Q4_K_M.gguf"), "hf://o/r@main"), { kind: "gguf", file: "q/model-Q4_K_M.gguf" });
  const problem = (l: ReturnType<typeof listed>) => {
    const s = selectRepoFiles(l, "hf://o/r@main");
    return s.kind === "problem" ? `${s.code} ${s.message}` : s.kind;
  };
  assert.equal(problem(listed("a.gguf", "b.gguf")), "MS4402 hf://o/r@main holds 2 GGUF files: a.gguf, b.gguf");
  assert.equal(problem(listed("config.json", "model.safetensors")), "MS4403 hf://o/r@main is a safetensors checkpoint without a tokenizer: it has neither tokenizer.json nor tokenizer.model");
  assert.equal(problem(listed("config.json", "pytorch_model.bin", "tokenizer.json")), "MS4403 hf://o/r@main has config.json but no model.safetensors or model.safetensors.index.json (it has pytorch_model.bin)");
  assert.equal(problem(listed("README.md", ".gitattributes")), "MS4401 hf://o/r@main holds neither a safetensors checkpoint (config.json and model.safetensors) nor a GGUF file; it has README.md, .gitattributes");
  assert.equal(problem([]), "MS4401 hf://o/r@main holds neither a safetensors checkpoint (config.json and model.safetensors) nor a GGUF file; it is empty");
});

test("shardsOfIndex: the distinct shards of weight_map, sorted; a shard outside the root, missing, or a broken index is a problem", () => {
  const have = new Set(["model-1.safetensors", "model-2.safetensors"]);
  assert.deepEqual(shardsOfIndex(JSON.stringify({ weight_map: { b: "model-2.safetensors", a: "model-1.safetensors", c: "model-2.safetensors" } }), have, "x"), { shards: ["model-1.safetensors", "model-2.safetensors"] });
  assert.deepEqual(shardsOfIndex(JSON.stringify({ weight_map: { a: "model-3.safetensors" } }), have, "x"), { problem: "model.safetensors.index.json of x names model-3.safetensors, which the repository does not have" });
  assert.deepEqual(shardsOfIndex(JSON.stringify({ weight_map: { a: "../model-1.safetensors" } }), have, "x"), { problem: 'model.safetensors.index.json of x maps a tensor to "../model-1.safetensors", not a .safetensors file beside it' });
  assert.deepEqual(shardsOfIndex("{", have, "x").hasOwnProperty("problem"), true);
  assert.deepEqual(shardsOfIndex("{}", have, "x"), { problem: "model.safetensors.index.json of x has no `weight_map` object" });
});

test("models.lock: `files` of a repository round-trip sorted; their paths are checked, and the digest must be the one GGUF's or the checkpoint index's (MS4400)", () => {
  const f = (p: string, c: string) => ({ path: p, digest: `sha256:${sha256(c)}` as const, size: c.length });
  const files = [f("tokenizer.json", "t"), f("config.json", "c"), f("model.safetensors", "w")];
  const index = checkpointIndex(files);
  assert.equal(index, JSON.stringify({ files: [files[1], files[2], files[0]].map((x) => ({ digest: x.digest, path: x.path, size: x.size })) }));
  const entry = { locator: `hf://o/r@${"a".repeat(40)}`, digest: `sha256:${sha256(index)}` as const, size: index.length, files };
  const text = serializeLock({ version: 1, references: { "hf://o/r@main": entry }, models: {} });
  assert.match(text, /files:\n {6}- digest: sha256:[0-9a-f]{64}\n {8}path: config\.json\n/);
  const back = parseLock(text, "models.lock");
  assert.deepEqual(back.diagnostics, []);
  assert.equal(isCheckpointPin(back.lock!.references["hf://o/r@main"]!), true);
  assert.equal(isCheckpointPin({ digest: files[0]!.digest, files: [files[0]!] }), false);
  assert.equal(serializeLock(back.lock!), text);

  const problems = (references: Record<string, unknown>) => parseLock(serializeLock({ version: 1, references, models: {} } as never), "models.lock").diagnostics.map((d) => `${d.code} ${d.range?.start.line} ${d.message}`);
  assert.deepEqual(problems({ "hf://o/r@main": { ...entry, files: [f("../x", "c")] } }), ["MS4400 8 `../x` is not a relative path inside the repository"]);
  assert.deepEqual(problems({ "hf://o/r@main": { ...entry, digest: `sha256:${"b".repeat(64)}` } }), ["MS4400 5 `digest` and `size` are neither the one GGUF file's nor those of the checkpoint index of `files`"]);
  assert.deepEqual(problems({ "hf://o/r@main": { locator: entry.locator, digest: entry.digest, size: entry.size } }), ["MS4400 5 a Hugging Face repository needs `files`: every file's path, digest and size"]);
  assert.deepEqual(problems({ "./m.gguf": { locator: "./m.gguf", digest: entry.digest, size: 1, files } }), ["MS4400 7 `files` is only for a whole Hugging Face repository (`hf://<org>/<repo>@<revision>`)"]);
  assert.deepEqual(problems({ "hf://o/r@main": { ...entry, locator: "hf://o/r@main" } }), ["MS4152 16 locator `hf://o/r@main` names revision `main`, not a 40-hex commit"]);
});

test("(fake Hub) listRepoTree follows Link pages, leaves folders out, reads LFS sha256 and sizes; a next page on another origin is MS4404", async (t) => {
  const hub = await fakeHub(t);
  hub.lfsFrom = 4;
  hub.treePage = 2;
  const c = hub.commit("org/r", { "a/b/c.bin": Buffer.from("12345"), "x.json": Buffer.from("{}"), "z.gguf": Buffer.from("GGUF1") });
  const h = hubFor("hf://org/r", {}, { HF_ENDPOINT: hub.url });
  assert.deepEqual(await listRepoTree(h, "org/r", c), [
    { path: "a/b/c.bin", size: 5, digest: `sha256:${sha256("12345")}` },
    { path: "x.json", size: 2 },
    { path: "z.gguf", size: 5, digest: `sha256:${sha256("GGUF1")}` },
  ]);
  assert.equal(hub.seen.filter((s) => s.path.includes("/tree/")).length, 3);
  // A next page on another origin (where the token must not go) is refused.
  hub.nextOrigin = "http://127.0.0.2:9";
  await assert.rejects(listRepoTree(h, "org/r", c), (err: Error & { diagnostics?: { code: string; message: string }[] }) => {
    assert.equal(err.diagnostics?.[0]?.code, "MS4404");
    assert.match(err.diagnostics![0]!.message, /listed the files of org\/r@[0-9a-f]{12} unusably: the next page is on another origin \(http:\/\/127\.0\.0\.2:9\)/);
    return true;
  });
});

test("(fake Hub) through the CLI: several GGUFs, an index naming a missing shard (exit 2 with a code and hint); a missing repository or revision (exit 2) and a gated one without HF_TOKEN (exit 3)", async (t) => {
  const hub = await fakeHub(t);
  const gguf = Buffer.from("GGUF-not-really");
  hub.commit("org/many", { "m.Q4_K_M.gguf": gguf, "m.Q8_0.gguf": gguf });
  hub.commit("org/badindex", { "config.json": Buffer.from("{}"), "tokenizer.model": Buffer.from("x"), "model.safetensors.index.json": Buffer.from('{"weight_map":{"a":"model-1.safetensors","b":"model-2.safetensors"}}'), "model-1.safetensors": Buffer.from("x") });
  hub.commit("org/gated", { "m.gguf": gguf }, "main", { token: "hf_secret" });
  const cases: [string, number, RegExp, RegExp][] = [
    ["hf://org/many", 2, /error\[MS4402\]: hf:\/\/org\/many@main holds 2 GGUF files: m\.Q4_K_M\.gguf, m\.Q8_0\.gguf/, /hint: name the one you mean: `hf:\/\/<org>\/<repo>\/<file>`, e\.g\. `hf:\/\/org\/many\/m\.Q4_K_M\.gguf`/],
    ["hf://org/badindex", 2, /error\[MS4403\]: model\.safetensors\.index\.json of hf:\/\/org\/badindex@main names model-2\.safetensors, which the repository does not have/, /hint: /],
    ["hf://org/nope", 2, /error\[MS5642\]: Hugging Face repository org\/nope not found/, /hint: check the organization and repository names/],
    ["hf://org/many@v9", 2, /error\[MS5643\]: revision `v9` not found in org\/many/, /hint: name a branch, tag or commit sha/],
  ];
  for (const [from, code, message, hint] of cases) {
    const { dir, home } = project(t, from);
    const r = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_any" });
    assert.equal(r.exitCode, code, `${from}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`Modelfile:1:6: ${message.source}`), from);
    assert.match(r.stderr, hint, from);
    assert.equal(hasStackTrace(r.stderr), false, r.stderr);
    assert.equal(existsSync(path.join(dir, "models.lock")), false, from);
  }
  const { dir, home } = project(t, "hf://org/gated");
  const denied = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url });
  assert.equal(denied.exitCode, 3, denied.stderr);
  assert.match(denied.stderr, /Modelfile:1:6: error\[MS5641\]: cannot read hf:\/\/org\/gated@main: org\/gated is a gated repository \(the Hub answered 401\)/);
  assert.match(denied.stderr, /hint: accept its conditions at http:\/\/127\.0\.0\.1:\d+\/org\/gated, then set HF_TOKEN/);
  const allowed = await ms(["lock", "-C", dir], home, { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_secret" });
  // With the token: the listing and the file came (the bytes are no model, so the build's GGUF check refuses them).
  assert.equal(allowed.exitCode, 2, allowed.stderr);
  assert.match(allowed.stderr, /error\[MS3002\]: the base model of m: unsupported GGUF version/);
  assert.ok(hub.seen.filter((s) => s.path.startsWith("/api/models/org/gated/tree/")).some((s) => s.authorization === "Bearer hf_secret"));
});

test("materializeCheckpoint lays the files out by path as symlinks to their blobs; dispose removes only the folder; gc removes a dead process's folder and keeps a live one's", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "modelsmith-lay-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new Store(root);
  const a = await store.putBlobFromBuffer("{}");
  const b = await store.putBlobFromBuffer("weights");
  const pin = { source: "hf://o/r@main", locator: `hf://o/r@${"a".repeat(40)}`, digest: `sha256:${"c".repeat(64)}` as const, size: 1, files: [{ path: "config.json", ...pick(a) }, { path: "sub/w.safetensors", ...pick(b) }] };
  const laid = await materializeCheckpoint(store, pin);
  assert.equal(laid.dir, checkpointDirOf(store, pin));
  assert.equal(readFileSync(path.join(laid.dir, "sub", "w.safetensors"), "utf8"), "weights");
  assert.equal(readlinkSync(path.join(laid.dir, "config.json")), store.blobPath(a.digest));
  const dead = path.join(store.layout.tmpDir, "checkpoint-4194000-0123456789ab.dir");
  mkdirSync(path.join(dead, "x"), { recursive: true });
  const gc = await store.gc();
  assert.deepEqual(gc.removedTemp.map((r) => path.basename(r.path)), ["checkpoint-4194000-0123456789ab.dir"]);
  assert.equal(existsSync(laid.dir), true, "this process's folder is kept");
  await laid.dispose();
  assert.equal(existsSync(laid.dir), false);
  assert.equal(readFileSync(store.blobPath(b.digest), "utf8"), "weights");
  // A blob that is gone is named, and nothing is laid out.
  await assert.rejects(materializeCheckpoint(store, { ...pin, files: [{ path: "model.safetensors", digest: `sha256:${"d".repeat(64)}`, size: 3 }] }), (err: Error & { diagnostics?: { code: string; message: string }[] }) => {
    assert.deepEqual(err.diagnostics?.map((d) => `${d.code} ${d.message}`), [`MS4406 hf://o/r@main: model.safetensors (sha256:${"d".repeat(64)}) is not in the store`]);
    return true;
  });
});

const pick = (r: { digest: `sha256:${string}`; size: number }) => ({ digest: r.digest, size: r.size });
