import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { openModel, type RuntimeModel } from "../../src/runtime/index.js";
import { nodeHeaderDir, onThread, onThreadFile } from "../../src/runtime/on-thread.js";
import { ON_THREAD_MAX_TOKENS } from "../../src/runtime/sample-guard.js";
import { oracleContinuation, oracleLlama } from "../../src/testmodels/index.js";
import { storeModel, tempStore } from "./store-model.js";

// Decodes and samples on the JavaScript thread (src/runtime/native/on-thread.cc,
// docs/decisions.md "Decodes on the runner's own thread"): the module does
// what node-llama-cpp's addon does on a libuv worker
// (https://github.com/withcatai/node-llama-cpp/blob/v3.21.1/llama/addon/AddonContext.cpp:
// AddonContextDecodeBatchWorker::Execute, AddonContextSampleTokenWorker::SampleToken),
// with the addon's own AddonSampler methods, so the text must be the same token for token.

const compiles = (() => {
  try {
    execFileSync(process.env["CXX"] || "c++", ["--version"], { stdio: "ignore" });
  } catch {
    return false;
  }
  return nodeHeaderDir() !== undefined;
})();
const skip = process.platform !== "linux" ? "the module is Linux only" : !compiles ? "no C++ compiler or node headers here, so npm run build made no module" : false;

describe("decodes and samples on the JavaScript thread (oracle model, in process)", { skip }, () => {
  const prompts = ["The quick brown", "jumps over the", "the lazy dog.", "The quick"];
  let env: Awaited<ReturnType<typeof tempStore>>;
  let here: RuntimeModel;
  let workers: RuntimeModel;
  let single: RuntimeModel;

  before(async () => {
    env = await tempStore();
    // Without EOS, so that every generation runs its 12 tokens.
    await storeModel(env.store, "oracle", { gguf: oracleLlama({ endWithEos: false }), params: { temperature: 0, num_predict: 12 } });
    here = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 4, gpu: false, decodeOnThread: true });
    workers = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 4, gpu: false });
    single = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 1, gpu: false, decodeOnThread: true });
  });
  after(async () => {
    await here?.close();
    await workers?.close();
    await single?.close();
    await env?.cleanup();
  });

  test("npm run build compiled the module for this node-llama-cpp, and it loads", () => {
    assert.ok(existsSync(onThreadFile()), `${onThreadFile()} is missing`);
    const state = onThread();
    assert.equal(state.loaded, true, JSON.stringify(state));
    assert.deepEqual(onThread({ MODELSMITH_DECODE_ON_THREAD: "0" }), { loaded: false, reason: "MODELSMITH_DECODE_ON_THREAD=0" });
  });

  test("one generation: every decode and every sample on this thread, the same text as on libuv's workers", async () => {
    assert.equal(workers.onThreadCounts!(), undefined, "a model opened without decodeOnThread uses the addon's workers");
    const before = here.onThreadCounts!()!;
    let decodes = 0;
    const remove = here.afterEachDecode!(() => decodes++);
    let result;
    try {
      result = await here.generate({ prompt: "The quick brown", raw: true });
    } finally {
      remove();
    }
    const after = here.onThreadCounts!()!;
    assert.equal(result.text, oracleContinuation({ endWithEos: false }, "The quick brown", 12).rawText);
    assert.equal(result.text, (await workers.generate({ prompt: "The quick brown", raw: true })).text);
    // The prompt, then one decode per token but the last: 12 decodes, 12 samples, all here.
    assert.equal(decodes, 12);
    assert.equal(after.decodes - before.decodes, 12);
    assert.equal(after.samples - before.samples, 12);
  });

  test("the event loop turns between every two tokens (what a runner writes and reads never waits for the answer's end), one sequence or several", async () => {
    // With one sequence, node-llama-cpp's dispatcher decodes again at once while a decode is queued: a decode that
    // settled at once ran a whole answer in microtasks (seen through a runner: nothing streamed, the hang check fired).
    for (const model of [single, here]) {
      let turns = 0;
      let running = true;
      const spin = () => {
        if (!running) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const seen: number[] = [];
      try {
        await model.generate({ prompt: "The quick brown", raw: true, onToken: () => seen.push(turns) });
      } finally {
        running = false;
      }
      assert.equal(seen.length, 12);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `no turn of the loop between tokens ${i - 1} and ${i}: ${seen.join(" ")}`);
    }
    assert.ok(single.onThreadCounts!()!.decodes >= 12, "the single-sequence model decodes here too");
  });

  test("four at once on one context: batched decodes, each sequence samples its own logits", async () => {
    const before = here.onThreadCounts!()!;
    const together = await Promise.all(prompts.map((prompt) => here.generate({ prompt, raw: true })));
    const after = here.onThreadCounts!()!;
    for (const [i, prompt] of prompts.entries()) assert.equal(together[i]!.text, oracleContinuation({ endWithEos: false }, prompt, 12).rawText, `prompt ${i}`);
    assert.equal(after.samples - before.samples, 48, "4 x 12 samples");
    assert.ok(after.decodes - before.decodes < 48, `batches of several sequences: ${after.decodes - before.decodes} decodes for 48 tokens`);
  });

  test(`a prompt of more than ${ON_THREAD_MAX_TOKENS} tokens is decoded on a worker; the tokens after it here`, async () => {
    const prompt = "The quick brown fox jumps over the lazy dog. ".repeat(6);
    const before = here.onThreadCounts!()!;
    let decodes = 0;
    const remove = here.afterEachDecode!(() => decodes++);
    let result;
    try {
      result = await here.generate({ prompt, raw: true });
    } finally {
      remove();
    }
    const after = here.onThreadCounts!()!;
    assert.ok(result.promptTokens > ON_THREAD_MAX_TOKENS, `${result.promptTokens} prompt tokens`);
    assert.equal(result.text, oracleContinuation({ endWithEos: false }, prompt, 12).rawText);
    assert.equal(decodes, 12);
    assert.equal(after.decodes - before.decodes, 11, "all but the prompt's");
    assert.equal(after.samples - before.samples, 12);
  });
});
