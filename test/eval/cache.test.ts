import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { caseCacheKey, EvalCache, requestOf, type CacheKeyInput } from "../../src/eval/index.js";
import { casesOf } from "./helpers.js";

const BASE: CacheKeyInput = {
  manifestDigest: "sha256:8e612a6b23da8362fe02aa4a3029007983164003838178ab014bef6959ba6be9",
  backend: "llama.cpp/cpu",
  request: { prompt: "The quick brown", options: { temperature: 0 } },
  repeat: 1,
};

describe("caseCacheKey", () => {
  it("is the digest of the canonical inputs (pinned)", () => {
    const canonical = `{"backend":"llama.cpp/cpu","manifest":"${BASE.manifestDigest}","options":{"temperature":0},"prompt":"The quick brown","raw":false,"repeat":1,"v":1}`;
    assert.equal(caseCacheKey(BASE), `sha256:${createHash("sha256").update(canonical).digest("hex")}`);
    assert.equal(caseCacheKey(BASE), "sha256:05106069a64539c8442a2a900e1b6b940ed9c8869b4d96328ffe3a9fa984aac3");
  });
  it("changes with each input: manifest, backend, prompt, messages, raw, options, repeat", () => {
    const variants: CacheKeyInput[] = [
      { ...BASE, manifestDigest: "sha256:00" },
      { ...BASE, backend: "llama.cpp/cuda" },
      { ...BASE, request: { ...BASE.request, prompt: "The quick" } },
      { ...BASE, request: { messages: [{ role: "user", content: "The quick brown" }], options: { temperature: 0 } } },
      { ...BASE, request: { ...BASE.request, raw: true } },
      { ...BASE, request: { ...BASE.request, options: { temperature: 0.1 } } },
      { ...BASE, request: { ...BASE.request, options: { temperature: 0, seed: 1 } } },
      { ...BASE, repeat: 2 },
    ];
    const keys = new Set([BASE, ...variants].map(caseCacheKey));
    assert.equal(keys.size, variants.length + 1);
  });
  it("ignores key order in options, raw: false, and the assertions (outputs are cached, grades are not)", () => {
    const [a, b] = casesOf(`
tests:
  - {prompt: hi, options: {temperature: 0, seed: 3}, assert: [{type: contains, value: x}]}
  - {prompt: hi, raw: false, options: {seed: 3, temperature: 0}, assert: [{type: equals, value: y}]}
`);
    const key = (c: typeof a) => caseCacheKey({ ...BASE, request: requestOf(c!), repeat: c!.repeat });
    assert.equal(key(a), key(b));
  });
});

describe("EvalCache", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const fresh = async () => {
    const d = await mkdtemp(path.join(tmpdir(), "ms-evalcache-"));
    dirs.push(d);
    return new EvalCache(d);
  };
  const runs = [{ text: " fox", finishReason: "length" as const, promptTokens: 4, completionTokens: 1, latencyMs: 12.5 }];

  it("stores runs under <root>/cache/eval/<2 hex>/<hex>.json and reads them back", async () => {
    const cache = await fresh();
    const key = caseCacheKey(BASE);
    assert.equal(await cache.get(key), undefined);
    await cache.put(key, runs);
    const hex = key.slice("sha256:".length);
    assert.equal(cache.pathOf(key), path.join(cache.dir, hex.slice(0, 2), `${hex}.json`));
    assert.equal(cache.dir.endsWith(path.join("cache", "eval")), true);
    assert.deepEqual(await cache.get(key), runs);
    assert.deepEqual(JSON.parse(await readFile(cache.pathOf(key), "utf8")), { key, runs });
  });
  it("treats a malformed or mismatched entry as a miss", async () => {
    const cache = await fresh();
    const key = caseCacheKey(BASE);
    await mkdir(path.dirname(cache.pathOf(key)), { recursive: true });
    await writeFile(cache.pathOf(key), "{not json");
    assert.equal(await cache.get(key), undefined);
    await writeFile(cache.pathOf(key), JSON.stringify({ key: "sha256:other", runs }));
    assert.equal(await cache.get(key), undefined);
    await writeFile(cache.pathOf(key), JSON.stringify({ key, runs: [{ text: 1 }] }));
    assert.equal(await cache.get(key), undefined);
  });
});
