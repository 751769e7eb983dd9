import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { batchTraceWanted, type BatchTrace } from "../../src/runtime/trace.js";
import { oracleTraceProject } from "./trace-project.js";

// The batch trace (MODELSMITH_TRACE=batches, src/runtime/trace.ts) of
// `modelsmith test` run as a user runs it: the CLI as a subprocess, through
// the eval runner's pool and the runtime's lockstep, on the oracle without EOS
// so that every case generates exactly TOKENS tokens. Counts, never times.
//
// What llama.cpp's own servers do with parallel streams, and what this pins:
// llama-server's update_slots adds the sampled token of every generating slot
// to one batch ("add sampled token of this slot to the batch") and decodes it
// with one llama_decode per loop
// https://github.com/ggml-org/llama.cpp/blob/master/tools/server/server-context.cpp
// (as bundled with node-llama-cpp 3.21.1: update_slots, the llama_decode in
// yield_to_queue), so 4 streams of N tokens are about N decodes of 4 tokens,
// not 4N decodes of one.
const CASES = 8;
const TOKENS = 12;

describe("batch trace of `modelsmith test` (CLI subprocess, oracle model)", () => {
  let project: Awaited<ReturnType<typeof oracleTraceProject>>;
  const prompts = Array.from({ length: CASES }, (_, i) => ["The quick", "brown fox", "jumps over", "the lazy dog."][i % 4]! + " ".repeat(1 + Math.floor(i / 4)));

  before(async () => {
    project = await oracleTraceProject({ prompts, tokens: TOKENS, numThread: 1 });
  });
  after(() => project?.remove());

  async function testRun(parallel: number): Promise<{ trace: BatchTrace; generated: number }> {
    const { trace, runs } = await project.test(["--parallel", String(parallel)]);
    return { trace, generated: runs.reduce((n, x) => n + x.completionTokens, 0) };
  }

  test("one by one (--parallel 1): one decode per generated token, each of one token after the prompt", async () => {
    const { trace, generated } = await testRun(1);
    assert.equal(generated, CASES * TOKENS);
    // Each case: its prompt in one decode, then one decode per sampled token but the last (the generation stops on it).
    assert.equal(trace.decodes, CASES * TOKENS, JSON.stringify(trace));
    assert.equal(trace.sizes["1"], CASES * (TOKENS - 1), JSON.stringify(trace.sizes));
    assert.equal(trace.samples, CASES * TOKENS);
    assert.deepEqual(trace.threads, { "1": CASES * TOKENS }, "every decode on the Modelfile's num_thread");
  });

  test("4 sequences (--parallel 4): about one decode of 4 tokens per round, not one per token", async () => {
    const { trace, generated } = await testRun(4);
    assert.equal(generated, CASES * TOKENS);
    assert.equal(trace.samples, CASES * TOKENS);
    // Two waves of 4 cases, TOKENS rounds each: 24 rounds. A wave's first round
    // holds the prompts, and one prompt may come a round late (its case was
    // still being set up): a few more decodes, never the 96 of one by one.
    const rounds = (CASES / 4) * TOKENS;
    assert.ok(trace.decodes >= rounds && trace.decodes <= rounds + 4, `${trace.decodes} decodes for ${rounds} rounds: ${JSON.stringify(trace.sizes)}`);
    assert.ok((trace.sizes["4"] ?? 0) >= rounds - 4, `batches of 4 tokens: ${JSON.stringify(trace.sizes)}`);
    assert.equal(trace.tokens - Object.entries(trace.sizes).reduce((n, [size, count]) => n + Number(size) * count, 0), 0, "tokens is the sum over the batch sizes");
  });

  test("the trace is off unless MODELSMITH_TRACE names it", () => {
    assert.equal(batchTraceWanted({}), false);
    assert.equal(batchTraceWanted({ MODELSMITH_TRACE: "1" }), false);
    assert.equal(batchTraceWanted({ MODELSMITH_TRACE: "batches" }), true);
    assert.equal(batchTraceWanted({ MODELSMITH_TRACE: "other, batches" }), true);
  });
});
