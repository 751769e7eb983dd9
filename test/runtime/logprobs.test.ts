import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Token } from "node-llama-cpp";
import { openModel, readStoredModel, type RuntimeModel } from "../../src/runtime/index.js";
import { sharedLlama } from "../../src/runtime/llama.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { storeModel, tempStore } from "./store-model.js";

/**
 * `logprobs: true`: each generated token's log-probability, read by evaluating
 * the answer again on its sequence (src/runtime/token-logprobs.ts). The
 * reference is the probability node-llama-cpp reports while it samples
 * (`evaluateWithMetadata` with `confidence`), which under greedy sampling and
 * no penalties is the softmax of the raw logits: the same numbers, so the
 * re-scoring adds nothing of its own. Ollama's `logprobs` are llama-server's
 * n_probs log-probabilities of the raw logits too:
 * https://github.com/ollama/ollama/blob/main/llm/llama_server.go (convertLogprobs)
 */

let env: Awaited<ReturnType<typeof tempStore>>;
let model: RuntimeModel;
const params = { num_ctx: 128, num_thread: 1, temperature: 0, repeat_penalty: 1 };

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "rnd", { gguf: randomLlama(TINY_RANDOM), params });
  model = await openModel(env.root, "rnd", { gpu: false });
});
after(async () => {
  await model?.close();
  await env?.cleanup();
});

/** The tokens greedy sampling picks after `prompt`, and log(confidence) of each, as node-llama-cpp reports them while generating. */
async function whileSampling(prompt: string, n: number): Promise<{ text: string; logprobs: number[] }> {
  const stored = await readStoredModel(env.store, "rnd");
  const llama = await sharedLlama(false);
  const m = await llama.loadModel({ modelPath: stored.modelPath, gpuLayers: 0 });
  try {
    const context = await m.createContext({ contextSize: 128, threads: 1 });
    const sequence = context.getSequence();
    const t = m.tokens;
    const tokens: Token[] = [...(t.shouldPrependBosToken && t.bos !== null ? [t.bos] : []), ...m.tokenize(prompt, true)];
    const out: Token[] = [];
    const logprobs: number[] = [];
    for await (const r of sequence.evaluateWithMetadata(tokens, { confidence: true }, { temperature: 0 })) {
      out.push(r.token);
      logprobs.push(Math.log(r.confidence));
      if (out.length >= n) break;
    }
    const text = m.detokenize(out, false, tokens);
    await context.dispose();
    return { text, logprobs };
  } finally {
    await m.dispose();
  }
}

describe("generate with logprobs: true (tiny random model, CPU)", () => {
  it("one log-probability per generated token, equal to the probability reported while sampling greedily", async () => {
    const g = await model.generate({ prompt: "abc", raw: true, options: { num_predict: 10 }, logprobs: true });
    assert.ok(g.completionTokens > 0);
    assert.equal(g.logprobs?.length, g.completionTokens);
    const ref = await whileSampling("abc", g.completionTokens);
    assert.equal(ref.text, g.text, "the same greedy answer");
    for (const [i, lp] of g.logprobs!.entries()) assert.ok(Math.abs(lp - ref.logprobs[i]!) < 1e-4, `token ${i}: ${lp} against ${ref.logprobs[i]}`);
    // A random model is unsure: its tokens are far from probability 1.
    assert.ok(g.logprobs!.every((lp) => lp < -0.5), g.logprobs!.join());
  });

  it("sampling settings do not change them: a hot, truncated sampler's answer is scored under the raw distribution", async () => {
    const greedy = await model.generate({ prompt: "abc", raw: true, options: { num_predict: 1 }, logprobs: true });
    // top_k 1 picks the greedy token whatever the temperature; node-llama-cpp's confidence would then be 1 (the truncated distribution).
    const hot = await model.generate({ prompt: "abc", raw: true, options: { num_predict: 1, temperature: 2, top_k: 1, seed: 3 }, logprobs: true });
    assert.equal(hot.text, greedy.text);
    assert.ok(Math.abs(hot.logprobs![0]! - greedy.logprobs![0]!) < 1e-6);
    assert.ok(hot.logprobs![0]! < -0.5);
  });

  it("without logprobs: true there are none", async () => {
    const g = await model.generate({ prompt: "abc", raw: true, options: { num_predict: 2 } });
    assert.equal(g.logprobs, undefined);
  });
});
