import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ggufToBuffer } from "../../src/gguf/index.js";
import { casesFromCache, EvalCache, runCases, type EvalModel } from "../../src/eval/index.js";
import { openModel, type RuntimeModel } from "../../src/runtime/index.js";
import { encodeParams, LAYER_MEDIA_TYPES, Store } from "../../src/store/index.js";
import { oracleContinuation, oracleLlama } from "../../src/testmodels/index.js";
import { casesOf } from "./helpers.js";

let dir: string;
let model: RuntimeModel;
/** An oracle that never emits EOS: every answer runs to its num_predict ("length"). */
const CYCLING = { endWithEos: false };
/** Generations the runtime was asked for: the real model, counted. */
let calls = 0;
let counted: EvalModel;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ms-eval-runner-"));
  const store = new Store(path.join(dir, "home"));
  const layers = [await store.putLayer(LAYER_MEDIA_TYPES.model, await ggufToBuffer(oracleLlama(CYCLING))), await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams({ temperature: 0, num_predict: 6 }))];
  await store.writeManifest("fox", await store.assembleManifest({ modelFamily: "llama", modelType: "1M", fileType: "F32" }, layers));
  // One thread: on a busy 2-core machine llama.cpp's default pool is far slower for this tiny model.
  model = await openModel(path.join(dir, "home"), "fox", { threads: 1, contextSize: 256, gpu: false, parallel: 2 });
  counted = {
    name: model.name,
    manifestDigest: model.manifestDigest,
    backend: model.backend,
    generate: (req) => {
      calls++;
      return model.generate(req);
    },
  };
});
after(async () => {
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

const raw = (prompt: string, n = 6) => oracleContinuation(CYCLING, prompt, n).rawText;

const FILE = `
tests:
  - {description: fox, prompt: The quick brown, raw: true, assert: [{type: equals, value: "${raw("The quick brown")}"}]}
  - {description: lazy, prompt: jumps over the, raw: true, assert: [{type: contains, value: lazy}, {type: finish-reason, value: length}]}
  - {description: short, prompt: The lazy, raw: true, options: {num_predict: 2}, assert: [{type: word-count, value: 1}]}
  - {description: failing, prompt: over the, raw: true, repeat: 3, assert: [{type: contains, value: cat}]}
`;

describe("runCases on the oracle model", () => {
  it("the oracle's known greedy text is what the runner sees", () => {
    assert.equal(raw("The quick brown"), " fox jumps over the lazy dog");
    assert.equal(raw("jumps over the"), " lazy dog. The quick brown");
  });

  it("runs every case (in parallel), in order, grades them, and caches the outputs", async () => {
    const cache = new EvalCache(path.join(dir, "home"));
    const seen: string[] = [];
    calls = 0;
    const results = await runCases(counted, casesOf(FILE), { cache, parallel: 2, onCase: (r) => seen.push(r.case.name) });
    assert.deepEqual(
      results.map((r) => [r.case.name, r.status, r.cached, r.runs.map((x) => [x.text, x.finishReason])]),
      [
        ["fox", "pass", false, [[" fox jumps over the lazy dog", "length"]]],
        ["lazy", "pass", false, [[" lazy dog. The quick brown", "length"]]],
        ["short", "pass", false, [[" dog.", "length"]]],
        ["failing", "fail", false, Array(3).fill([" lazy dog. The quick brown", "length"])],
      ],
    );
    assert.equal(calls, 6);
    assert.deepEqual([...seen].sort(), ["failing", "fox", "lazy", "short"]);
    assert.equal(results[0]!.model, "fox:latest");
    assert.ok(results.every((r) => r.runs.every((x) => x.latencyMs > 0 && x.completionTokens > 0)));
  });

  it("an unchanged model is not asked again: the outputs come from the cache and are graded afresh", async () => {
    const cache = new EvalCache(path.join(dir, "home"));
    calls = 0;
    const edited = casesOf(FILE.replace("value: cat", "value: lazy"));
    const results = await runCases(counted, edited, { cache });
    assert.equal(calls, 0);
    assert.deepEqual(results.map((r) => [r.status, r.cached, r.durationMs]), Array(4).fill(["pass", true, 0]));
  });

  it("refresh (--no-cache) generates again; changed options miss the cache", async () => {
    const cache = new EvalCache(path.join(dir, "home"));
    calls = 0;
    await runCases(counted, casesOf(FILE).slice(0, 1), { cache, refresh: true });
    assert.equal(calls, 1);
    const [changed] = casesOf(FILE.replace("options: {num_predict: 2}", "options: {num_predict: 3}")).slice(2);
    const [r] = await runCases(counted, [changed!], { cache });
    assert.deepEqual([calls, r!.cached, r!.runs[0]!.text, r!.status], [2, false, " dog. The", "fail"]);
  });

  it("a generation that cannot run makes its case an error, and nothing is cached for it", async () => {
    const cache = new EvalCache(path.join(dir, "home"));
    const [c] = casesOf(`tests: [{prompt: "never asked", raw: true, assert: [{type: is-json}]}]`);
    const signal = AbortSignal.abort();
    const [r] = await runCases(counted, [c!], { cache, signal });
    assert.deepEqual([r!.status, r!.runs, typeof r!.error], ["error", [], "string"]);
    const [again] = await runCases(counted, [c!], { cache: new EvalCache(path.join(dir, "none")), refresh: false });
    assert.equal(again!.cached, false);
  });

  it("a case past its time limit is an error that says so; its generation is stopped and its sequence freed", async () => {
    const cache = new EvalCache(path.join(dir, "home"));
    // num_predict -1 on a model that never stops: 10 x 256 tokens (the cap), far longer than 50 ms.
    const slow = casesOf(`
defaults: {timeout: 50ms}
tests:
  - {prompt: The quick brown, raw: true, options: {num_predict: -1}, assert: [{type: contains, value: fox}]}
  - {prompt: over the, raw: true, options: {num_predict: -1}, assert: [{type: contains, value: fox}]}
  - {prompt: The lazy, raw: true, options: {num_predict: -1}, timeout: 0.05, assert: [{type: contains, value: fox}]}
`);
    assert.deepEqual(slow.map((c) => c.timeoutMs), [50, 50, 50]);
    calls = 0;
    const results = await runCases(counted, slow, { cache, parallel: 2 });
    for (const r of results) {
      assert.equal(r.status, "error");
      assert.match(r.error ?? "", /^MS6075: timed out after 50 ms \(the case's `timeout:`, default 60 s\): the generation was stopped after \d+ token\(s\)$/);
      assert.deepEqual(r.runs, []);
    }
    assert.equal(calls, 3);
    // Nothing was cached for them, and both sequences are free again: a normal case runs.
    assert.equal(await casesFromCache(counted, slow, cache), undefined);
    const [after] = await runCases(counted, casesOf(FILE).slice(0, 1), { cache: new EvalCache(path.join(dir, "fresh")), parallel: 2 });
    assert.equal(after!.status, "pass");
  });
});
