import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { openModel, type RuntimeModel } from "../../src/runtime/index.js";
import { nodeHeaderDir, onThread, onThreadFile } from "../../src/runtime/on-thread.js";
import { ON_THREAD_MAX_TOKENS } from "../../src/runtime/sample-guard.js";
import { oracleContinuation, oracleLlama, randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
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
  let small: { here: RuntimeModel; workers: RuntimeModel };
  let rnd: { here: RuntimeModel; workers: RuntimeModel };
  let eos: RuntimeModel;

  before(async () => {
    env = await tempStore();
    // Without EOS, so that every generation runs its 12 tokens.
    await storeModel(env.store, "oracle", { gguf: oracleLlama({ endWithEos: false }), params: { temperature: 0, num_predict: 12 } });
    here = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 4, gpu: false, decodeOnThread: true });
    workers = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 4, gpu: false });
    single = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 1, gpu: false, decodeOnThread: true });
    // A small context (llama.cpp pads it to 256 cells), for answers longer than it (node-llama-cpp shifts it).
    small = {
      here: await openModel(env.root, "oracle", { threads: 1, contextSize: 32, parallel: 1, gpu: false, decodeOnThread: true }),
      workers: await openModel(env.root, "oracle", { threads: 1, contextSize: 32, parallel: 1, gpu: false }),
    };
    // Random weights: every sampler of the chain has a distribution to work on.
    await storeModel(env.store, "rnd", { gguf: randomLlama(TINY_RANDOM) });
    rnd = {
      here: await openModel(env.root, "rnd", { threads: 1, contextSize: 256, parallel: 2, gpu: false, decodeOnThread: true }),
      workers: await openModel(env.root, "rnd", { threads: 1, contextSize: 256, parallel: 2, gpu: false }),
    };
    await storeModel(env.store, "oracle-eos", { gguf: oracleLlama({ endWithEos: true }), params: { temperature: 0 } });
    eos = await openModel(env.root, "oracle-eos", { threads: 1, contextSize: 512, parallel: 1, gpu: false, decodeOnThread: true });
  });
  after(async () => {
    for (const m of [here, workers, single, small?.here, small?.workers, rnd?.here, rnd?.workers, eos]) await m?.close();
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
    // The prompt, then one decode per token but the last: 12 decodes, 12 samples, all here; alone on its context, every
    // token after the first is a step (stepOnThread), past node-llama-cpp's dispatcher.
    assert.equal(decodes, 12);
    assert.equal(after.decodes - before.decodes, 12);
    assert.equal(after.samples - before.samples, 12);
    assert.equal(after.steps - before.steps, 11);
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

  test("steps sample with node-llama-cpp's own chain: temperature, top_k, top_p, min_p, a repeat penalty and a seed give the workers' text", async () => {
    const options = { temperature: 0.9, top_k: 30, top_p: 0.9, min_p: 0.02, repeat_penalty: 1.3, repeat_last_n: 16, presence_penalty: 0.2, frequency_penalty: 0.1, seed: 1, num_predict: 48 };
    const before = rnd.here.onThreadCounts!()!;
    const stepped = await rnd.here.generate({ prompt: "ab cd ef", raw: true, options });
    const after = rnd.here.onThreadCounts!()!;
    const onWorkers = await rnd.workers.generate({ prompt: "ab cd ef", raw: true, options });
    assert.equal(stepped.completionTokens, 48);
    assert.equal(stepped.text, onWorkers.text);
    assert.equal(after.steps - before.steps, 47);
    // And another seed gives another text: the sampling is not greedy here.
    const other = await rnd.here.generate({ prompt: "ab cd ef", raw: true, options: { ...options, seed: 2 } });
    assert.notEqual(other.text, stepped.text);
  });

  test("a generation that joins a stepping one: both go on in batches through node-llama-cpp, each with its own text; steps resume once alone", async () => {
    const before = here.onThreadCounts!()!;
    let second: Promise<Awaited<ReturnType<RuntimeModel["generate"]>>> | undefined;
    let seen = 0;
    const first = here.generate({
      prompt: "The quick brown",
      raw: true,
      onToken: () => {
        if (++seen === 3) second = here.generate({ prompt: "jumps over the", raw: true, options: { num_predict: 4 } });
      },
    });
    const a = await first;
    const b = await second!;
    const after = here.onThreadCounts!()!;
    assert.equal(a.text, oracleContinuation({ endWithEos: false }, "The quick brown", 12).rawText);
    assert.equal(b.text, oracleContinuation({ endWithEos: false }, "jumps over the", 4).rawText);
    const steps = after.steps - before.steps;
    // The first's 11 tokens after its first: steps until the second joins, then batches (the second's prompt and its
    // 4 tokens beside the first's), then steps again once the second is done.
    assert.ok(steps >= 4 && steps <= 9, `${steps} steps`);
    assert.equal(after.samples - before.samples, 16);
  });

  test("a step that samples the end of the answer ends it as node-llama-cpp does (stop, the end token not in the text)", async () => {
    const before = eos.onThreadCounts!()!;
    const r = await eos.generate({ prompt: "The quick brown", raw: true, options: { num_predict: 40 } });
    const after = eos.onThreadCounts!()!;
    const expected = oracleContinuation({ endWithEos: true }, "The quick brown", 40);
    assert.equal(r.text, expected.rawText);
    assert.equal(r.finishReason, "stop");
    assert.ok(r.completionTokens < 40, `${r.completionTokens} tokens`);
    assert.equal(after.steps - before.steps, r.completionTokens, "every token after the first was a step, and so was the sample of the end token");
  });

  test("an answer longer than its context: node-llama-cpp shifts the context where steps cannot go on, and the text is the workers'", async () => {
    const req = { prompt: "The quick brown", raw: true, options: { num_predict: 300 } };
    const before = small.here.onThreadCounts!()!;
    const r = await small.here.generate(req);
    const after = small.here.onThreadCounts!()!;
    assert.equal(r.completionTokens, 300);
    assert.equal(r.text, (await small.workers.generate(req)).text);
    assert.equal(r.text, oracleContinuation({ endWithEos: false }, "The quick brown", 300).rawText);
    const steps = after.steps - before.steps;
    assert.ok(steps > 250 && steps < 299, `${steps} steps: most, but not where the context was full`);
  });

  test("a cancelled generation stops between steps", async () => {
    const abort = new AbortController();
    let n = 0;
    const r = await here.generate({ prompt: "The quick brown", raw: true, signal: abort.signal, onToken: () => ++n === 5 && abort.abort() });
    assert.equal(r.finishReason, "abort");
    assert.equal(r.completionTokens, 5);
    // The sequence is left as node-llama-cpp would leave it: the next answer on it is right.
    assert.equal((await here.generate({ prompt: "The quick brown", raw: true })).text, oracleContinuation({ endWithEos: false }, "The quick brown", 12).rawText);
  });

  test("the batch trace (MODELSMITH_TRACE=batches) counts the steps among the decodes and samples", async () => {
    const saved = process.env["MODELSMITH_TRACE"];
    process.env["MODELSMITH_TRACE"] = "batches";
    let traced: RuntimeModel;
    try {
      traced = await openModel(env.root, "oracle", { threads: 1, contextSize: 512, parallel: 1, gpu: false, decodeOnThread: true });
    } finally {
      if (saved === undefined) delete process.env["MODELSMITH_TRACE"];
      else process.env["MODELSMITH_TRACE"] = saved;
    }
    await traced.generate({ prompt: "The quick brown", raw: true });
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await traced.close();
    } finally {
      process.stderr.write = write;
    }
    const line = lines.find((l) => l.startsWith("modelsmith trace batches"));
    assert.ok(line, lines.join(""));
    const trace = JSON.parse(line.slice(line.indexOf("{"))) as { decodes: number; steps: number; samples: number; tokens: number; sizes: Record<string, number> };
    assert.equal(trace.steps, 11);
    assert.equal(trace.decodes, 12, "the prompt's decode and 11 steps");
    assert.equal(trace.samples, 12);
    assert.equal(trace.sizes["1"], 11);
    assert.equal(trace.tokens - Object.entries(trace.sizes).reduce((n, [size, count]) => n + Number(size) * count, 0), 0, "tokens is the sum over the batch sizes");
  });
});
