import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { createModel, type CreateOptions } from "../../src/build/create.js";
import type { ProgressFactory } from "../../src/build/progress.js";
import { readStepRecord } from "../../src/build/step-cache.js";
import { Store } from "../../src/store/index.js";
import { writeTestCheckpoint } from "../convert/helpers.js";
import { tempDir } from "./helpers.js";

/**
 * BuildOptions.signal (what serve's /api/create aborts when its client hangs
 * up): a signal that fires between two steps stops the build there; the
 * finished step stays in the step cache, no later step runs, no manifest is
 * written, nothing is left in tmp/, and the store verifies. A build run again
 * reuses the finished step.
 */

function options(dir: string, progress: ProgressFactory, signal?: AbortSignal): CreateOptions {
  return {
    name: "cancelled",
    modelfile: path.join(dir, "Modelfile"),
    quantize: "q8_0",
    storeRoot: path.join(dir, "home"),
    home: dir,
    display: (abs) => abs,
    sources: new Map(),
    progress,
    json: true,
    ...(signal ? { signal } : {}),
    out: { say: () => {}, write: () => {}, report: () => {} },
  };
}

test("a build aborted as its convert step finishes: the quantize and assemble steps never start, no manifest, the store verifies; run again, it converts nothing", async (t) => {
  const dir = tempDir(t);
  await writeTestCheckpoint(path.join(dir, "model"), "llama", "bpe");
  await writeFile(path.join(dir, "Modelfile"), "FROM ./model\n");
  const abort = new AbortController();
  const reason = new Error("the client hung up");
  const started: string[] = [];
  let converted: string | undefined;
  const progress: ProgressFactory = () => ({
    event: (e) => {
      if (e.kind === "start") started.push(e.step.kind);
      if (e.kind === "done" && e.step.kind === "convert") {
        converted = e.step.key;
        abort.abort(reason);
      }
    },
    close: async () => {},
  });
  await assert.rejects(createModel(options(dir, progress, abort.signal)), (err) => err === reason);
  assert.deepEqual(started, ["convert"]);
  const store = new Store(path.join(dir, "home"));
  await assert.rejects(store.readManifest("cancelled"), /MS5102/);
  assert.deepEqual(await readdir(store.layout.tmpDir).catch(() => []), []);
  const verified = await store.verify();
  assert.deepEqual([verified.problems, verified.manifestProblems], [[], []]);
  assert.equal((await readStepRecord(store, converted as never))?.kind, "convert");

  const again: { kind: string; cached: boolean }[] = [];
  const r = await createModel(options(dir, () => ({ event: (e) => void (e.kind === "done" && again.push({ kind: e.step.kind, cached: e.cached })), close: async () => {} })));
  assert.deepEqual(again, [{ kind: "convert", cached: true }, { kind: "quantize", cached: false }, { kind: "assemble", cached: false }]);
  assert.equal((await store.readManifest("cancelled")).digest, r.manifest);
});

test("a build aborted while its checkpoint converts: the conversion stops mid-file, its temp file goes, nothing is recorded, the store verifies", async (t) => {
  const dir = tempDir(t);
  // About 35 MB converted: the GGUF writer tells its progress every 8 MiB, so the first report comes mid-file.
  await writeTestCheckpoint(path.join(dir, "model"), "llama", "bpe", { hidden: 512, ffn: 2048, layers: 4 });
  await writeFile(path.join(dir, "Modelfile"), "FROM ./model\n");
  const abort = new AbortController();
  const reason = new Error("the client hung up");
  let at: { done: number; total: number; key: string } | undefined;
  const progress: ProgressFactory = () => ({
    event: (e) => {
      if (e.kind === "progress" && e.step.kind === "convert" && !at) {
        at = { done: e.done, total: e.total, key: e.step.key };
        abort.abort(reason);
      }
    },
    close: async () => {},
  });
  await assert.rejects(createModel(options(dir, progress, abort.signal)), (err) => err === reason);
  assert.ok(at && at.done < at.total, JSON.stringify(at));
  const store = new Store(path.join(dir, "home"));
  assert.equal(await readStepRecord(store, at.key as never), undefined);
  assert.deepEqual(await readdir(store.layout.tmpDir).catch(() => []), []);
  await assert.rejects(store.readManifest("cancelled"), /MS5102/);
  const verified = await store.verify();
  assert.deepEqual([verified.problems, verified.manifestProblems], [[], []]);
});

test("a signal aborted before the build: no step starts, the build rejects with its reason", async (t) => {
  const dir = tempDir(t);
  await writeTestCheckpoint(path.join(dir, "model"), "llama", "bpe");
  await writeFile(path.join(dir, "Modelfile"), "FROM ./model\n");
  const started: string[] = [];
  const reason = new Error("gone");
  const progress: ProgressFactory = () => ({ event: (e) => void (e.kind === "start" && started.push(e.step.kind)), close: async () => {} });
  await assert.rejects(createModel(options(dir, progress, AbortSignal.abort(reason))), (err) => err === reason);
  assert.deepEqual(started, []);
  await assert.rejects(new Store(path.join(dir, "home")).readManifest("cancelled"), /MS5102/);
});
