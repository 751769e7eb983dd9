import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openModel, renderPrompt, type RuntimeModel } from "../../src/runtime/index.js";
import { oracleContinuation, oracleLlama, TEST_CHAT_TEMPLATE } from "../../src/testmodels/index.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { storeModel, tempStore } from "./store-model.js";

const SYSTEM = "You answer like a fox.";
const MESSAGES = [
  { role: "user" as const, content: "Who is lazy?" },
  { role: "assistant" as const, content: "The lazy dog." },
];
const PARAMS = { temperature: 0, num_predict: 12, seed: 7 };
const CYCLING = { endWithEos: false };

let env: Awaited<ReturnType<typeof tempStore>>;
let model: RuntimeModel;

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "oracle-chat", { gguf: oracleLlama({}), system: SYSTEM, messages: MESSAGES, params: PARAMS });
  // The same without EOS: it never stops by itself, for num_predict -2.
  await storeModel(env.store, "oracle-cycle", { gguf: oracleLlama(CYCLING), system: SYSTEM, messages: MESSAGES, params: PARAMS });
  model = await openModel(env.root, "oracle-chat", { threads: 1, contextSize: 256, gpu: false });
});
after(async () => {
  await model?.close();
  await env?.cleanup();
});

/** The prompt Ollama would render: SYSTEM, MESSAGEs, the user's prompt through the GGUF's chat template (BOS dropped: the tokenizer adds it). */
const expectedPrompt = (prompt: string) => `${SYSTEM}Who is lazy?The lazy dog.</s>${prompt}`;

test("the oracle's prompt goes through SYSTEM, MESSAGEs and the GGUF chat template", () => {
  const rendered = renderPrompt({ system: SYSTEM, messages: MESSAGES, chatTemplate: { template: TEST_CHAT_TEMPLATE, bosToken: "<s>", eosToken: "</s>", addBos: true } }, { prompt: "The quick brown" });
  assert.equal(rendered.text, expectedPrompt("The quick brown"));
  assert.equal(rendered.via, "chat-template");
});

test("the runtime API gives the oracle's known text, streamed piece by piece, and stops at its EOS", async () => {
  const chunks: string[] = [];
  const r = await model.generate({ prompt: "The quick brown", onToken: (t) => chunks.push(t) });
  const known = oracleContinuation({}, expectedPrompt("The quick brown"), 12);
  assert.equal(r.text, " fox jumps over the lazy dog.");
  assert.equal(r.text, known.rawText);
  assert.equal(chunks.join(""), r.text);
  assert.equal(chunks.length, 7);
  assert.equal(r.finishReason, "stop");
  assert.equal(r.completionTokens, 7);
  // BOS + the text before "</s>" + EOS (parsed as the special token it is) + the prompt (with SentencePiece's space prefix after a special token).
  const before = oracleContinuation({}, `${SYSTEM}Who is lazy?The lazy dog.`, 0).promptTokens.length;
  assert.equal(r.promptTokens, before + 1 + oracleContinuation({}, "The quick brown", 0).promptTokens.length - 1);
  assert.deepEqual([known.tokens.length, known.stopped], [7, true]);
  assert.ok(r.timings.totalNs >= r.timings.promptEvalNs + r.timings.evalNs);
});

test("a stop sequence cuts the text before it", async () => {
  const r = await model.generate({ prompt: "The quick brown", options: { stop: ["lazy"] } });
  assert.deepEqual([r.text, r.finishReason], [" fox jumps over the ", "stop"]);
});

test("chat form: the request's messages follow the MESSAGEs", async () => {
  const r = await model.generate({ messages: [{ role: "user", content: "jumps over" }], options: { num_predict: 3 } });
  assert.equal(r.text, " the lazy dog");
});

test("modelsmith run prints the same text as the runtime API", async () => {
  const api = await model.generate({ prompt: "The quick brown" });
  const cli = await runCli(["run", "oracle-chat", "The quick brown", "-p", "num_thread=1", "-p", "num_ctx=256"], { env: { MODELSMITH_HOME: env.root }, input: "" });
  assert.equal(cli.stderr, "");
  assert.equal(cli.exitCode, 0);
  assert.equal(cli.stdout, `${api.text}\n`);
});

test("modelsmith test sees the same text: a case asserting the API's exact output passes, one asserting anything else fails", async () => {
  const api = await model.generate({ prompt: "The quick brown" });
  const project = tempProject({
    "modelsmith.yaml": "models:\n  oracle-chat:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
    Modelfile: "FROM testmodel://oracle\n",
    "tests.yaml": `tests:\n  - prompt: The quick brown\n    assert:\n      - {type: equals, value: ${JSON.stringify(api.text)}}\n  - prompt: The quick brown\n    assert:\n      - {type: equals, value: ${JSON.stringify(`${api.text}!`)}}\n`,
  });
  const r = await runCli(["test", "--reporter", "json", "--no-cache"], { cwd: project, env: { MODELSMITH_HOME: env.root }, input: "" });
  assert.equal(r.exitCode, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { cases: { status: string; runs: { text: string }[] }[] };
  assert.deepEqual(report.cases.map((c) => c.status), ["pass", "fail"]);
  assert.equal(report.cases[0]!.runs[0]!.text, api.text);
});

test("raw: the prompt without SYSTEM, MESSAGEs or template", async () => {
  const r = await model.generate({ prompt: "over the", raw: true, options: { num_predict: 3 } });
  assert.deepEqual([r.text, r.promptTokens], [" lazy dog.", 3]);
});

test("concurrent calls share one context: parallel sequences, and a queue beyond them", async () => {
  const parallel = await openModel(env.root, "oracle-chat", { threads: 1, contextSize: 256, gpu: false, parallel: 2 });
  try {
    const prompts = ["The quick brown", "jumps over", "The lazy", "The quick brown", "dog."];
    const results = await Promise.all(prompts.map((p) => parallel.generate({ prompt: p, options: { num_predict: 5 } })));
    assert.deepEqual(results.map((r) => r.text), prompts.map((p) => oracleContinuation({}, expectedPrompt(p), 5).rawText));
  } finally {
    await parallel.close();
  }
});

test("an abort signal ends generation with finishReason abort", async () => {
  const controller = new AbortController();
  let n = 0;
  const r = await model.generate({ prompt: "The quick brown", signal: controller.signal, options: { num_predict: 100 }, onToken: () => ++n === 3 && controller.abort() });
  assert.deepEqual([r.finishReason, r.completionTokens, r.text], ["abort", 3, " fox jumps over"]);
  const before = new AbortController();
  before.abort();
  const none = await model.generate({ prompt: "x", signal: before.signal });
  assert.deepEqual([none.finishReason, none.text, none.completionTokens], ["abort", "", 0]);
});

test("num_predict -2 fills the context; a prompt longer than the context is cut as Ollama cuts it, with one warning", async () => {
  const warnings: string[] = [];
  // llama.cpp rounds a context up to a multiple of 256 tokens.
  const small = await openModel(env.root, "oracle-cycle", { threads: 1, contextSize: 256, gpu: false, onWarning: (d) => warnings.push(`${d.code} ${d.message}`) });
  try {
    const fill = await small.generate({ prompt: "The quick brown", options: { num_predict: -2 } });
    assert.equal(fill.finishReason, "length");
    assert.equal(fill.promptTokens + fill.completionTokens, 256);
    const long = "The quick brown fox jumps over the lazy dog. ".repeat(30).trimEnd();
    for (let i = 0; i < 2; i++) {
      const r = await small.generate({ prompt: long, options: { num_predict: 4 } });
      assert.deepEqual([r.promptTokens, r.text], [255, oracleContinuation(CYCLING, expectedPrompt(long), 4).rawText]);
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^MS8009 model oracle-cycle:latest: the prompt has 3\d\d tokens, more than the context of 256; it was cut to 255$/);
  } finally {
    await small.close();
  }
});
