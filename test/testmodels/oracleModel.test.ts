import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { getLlama, LlamaChatSession, LlamaCompletion, type Llama, type LlamaModel } from "node-llama-cpp";
import { oracleContinuation, writeTestModel, type OracleLlamaSpec } from "../../src/testmodels/index.js";

let dir: string;
let llama: Llama;
const models = new Map<string, LlamaModel>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "oracle-"));
  llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
});
after(async () => {
  for (const m of models.values()) await m.dispose();
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function load(spec: OracleLlamaSpec): Promise<LlamaModel> {
  const key = JSON.stringify(spec);
  if (!models.has(key)) {
    const path = join(dir, `oracle-${models.size}.gguf`);
    await writeTestModel(path, { kind: "oracle", ...spec });
    models.set(key, await llama.loadModel({ modelPath: path }));
  }
  return models.get(key)!;
}

async function complete(model: LlamaModel, prompt: string, maxTokens: number): Promise<string> {
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  try {
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    return await completion.generateCompletion(prompt, { maxTokens, temperature: 0 });
  } finally {
    await context.dispose();
  }
}

// One thread: on a busy 2-core machine llama.cpp's default thread pool makes each token of this tiny model ~100x slower.
const PROMPTS = ["The quick brown", "over the", "The qu", "hello", "ZZZ", "dog.", "fox\né 🙂"];

test("llama.cpp tokenizes prompts exactly as oracleContinuation predicts", async () => {
  const model = await load({});
  for (const p of PROMPTS) assert.deepEqual([...model.tokenize(p)], oracleContinuation({}, p, 0).promptTokens.slice(1), p);
});

test("greedy completions of the oracle without EOS are exactly the predicted text, cycling", async () => {
  const spec: OracleLlamaSpec = { endWithEos: false };
  const model = await load(spec);
  assert.equal(await complete(model, "The quick brown", 10), "fox jumps over the lazy dog. The quick brown");
  for (const p of PROMPTS) assert.equal(await complete(model, p, 12), oracleContinuation(spec, p, 12).text, p);
});

test("the default oracle stops after its sentence, as predicted", async () => {
  const model = await load({});
  assert.equal(await complete(model, "The quick brown", 100), "fox jumps over the lazy dog.");
  for (const p of PROMPTS) assert.equal(await complete(model, p, 12), oracleContinuation({}, p, 12).text, p);
});

test("an F16 oracle with EOS after the sentence stops there", async () => {
  const spec: OracleLlamaSpec = { endWithEos: true, tensorType: "F16" };
  const model = await load(spec);
  assert.equal(await complete(model, "jumps over", 20), "the lazy dog.");
  assert.equal(oracleContinuation(spec, "jumps over", 20).text, "the lazy dog.");
});

test("a chat through the GGUF's Jinja template continues the user's words", async () => {
  const model = await load({ endWithEos: true });
  const context = await model.createContext({ contextSize: 1024, threads: 1 });
  try {
    const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: "" });
    assert.equal(await session.prompt("The quick brown", { maxTokens: 20, temperature: 0 }), "fox jumps over the lazy dog.");
    assert.equal(await session.prompt("The lazy", { maxTokens: 20, temperature: 0 }), "dog.");
  } finally {
    await context.dispose();
  }
});
