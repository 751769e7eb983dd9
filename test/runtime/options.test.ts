import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultThreads } from "../../src/runtime/llama.js";
import { boundedNumPredict, loadPlan, OPEN_ENDED_CONTEXT_MULTIPLIER, parseOptionText, samplePlan, typeOption, typeOptions } from "../../src/runtime/index.js";
import { formatGoDuration, ollamaTimingSummary } from "../../src/runtime/index.js";
import { rejection } from "../store/helpers.js";

const rejects = (f: () => unknown) => rejection(Promise.resolve().then(f));

test("request options are typed by the parameters table", async () => {
  assert.equal(typeOption("temperature", 0.5, "w"), 0.5);
  assert.deepEqual(typeOption("stop", "END", "w"), ["END"]);
  assert.deepEqual(typeOption("stop", ["a", "b"], "w"), ["a", "b"]);
  assert.equal(typeOption("use_mmap", false, "w"), false);
  assert.deepEqual(typeOptions({ mirostat: 2, top_k: 5 }, "w"), { options: { top_k: 5 }, ignored: ["mirostat"] });
  const typo = await rejects(() => typeOption("temprature", 1, "request options"));
  assert.deepEqual(typo, { code: "MS8001", kind: "input", message: 'request options: unknown option "temprature"', hint: "did you mean `temperature`?" });
  for (const [name, value] of [["top_k", 1.5], ["top_k", "5"], ["top_p", 2], ["use_mmap", "yes"], ["stop", 3], ["num_ctx", 0]] as const) {
    assert.equal((await rejects(() => typeOption(name, value, "w"))).code, "MS8002", `${name}=${value}`);
  }
});

test("-p values are parsed as Modelfile PARAMETER values", async () => {
  assert.equal(parseOptionText("top_k", "+7", "-p"), 7);
  assert.equal(parseOptionText("temperature", "1e-1", "-p"), 0.1);
  assert.equal(parseOptionText("use_mmap", "F", "-p"), false);
  assert.deepEqual(parseOptionText("stop", "a=b", "-p"), ["a=b"]);
  assert.equal(parseOptionText("mirostat", "1", "-p"), undefined);
  const bad = await rejects(() => parseOptionText("top_k", "lots", "-p"));
  assert.deepEqual([bad.code, bad.message], ["MS8002", '-p: option top_k must be an integer, got "lots"']);
  assert.equal((await rejects(() => parseOptionText("top_p", "1.5", "-p"))).message, "-p: option top_p must be between 0 and 1, got 1.5");
});

test("load plan: caller over PARAMETER over Ollama's defaults; num_ctx capped at the training context", () => {
  const base = { params: {}, trainContextSize: 2048, gpu: false, cpuCores: 16 };
  assert.deepEqual(loadPlan(base), { contextSize: 2048, batchSize: 512, threads: 4, gpuLayers: 0, useMmap: undefined, notHonoured: [] });
  assert.equal(loadPlan({ ...base, trainContextSize: 8192 }).contextSize, 4096);
  assert.equal(loadPlan({ ...base, params: { num_ctx: 300 } }).contextSize, 300);
  assert.equal(loadPlan({ ...base, params: { num_ctx: 300 } }).batchSize, 300);
  assert.equal(loadPlan({ ...base, params: { num_ctx: 300 }, contextSize: 128 }).contextSize, 128);
  assert.equal(loadPlan({ ...base, params: { num_thread: 3 } }).threads, 3);
  assert.equal(loadPlan({ ...base, params: { num_thread: 3 }, threads: 1 }).threads, 1);
  assert.equal(loadPlan({ ...base, defaultThreads: 6 }).threads, 6);
  assert.equal(loadPlan({ ...base, defaultThreads: 6, params: { num_thread: 3 } }).threads, 3);
  assert.equal(loadPlan({ ...base, params: { use_mmap: false } }).useMmap, false);
  assert.deepEqual(loadPlan({ ...base, params: { num_gpu: 20, main_gpu: 1 } }).notHonoured.map((n) => n.name), ["num_gpu", "main_gpu"]);
  assert.deepEqual(loadPlan({ ...base, gpu: true, params: { num_gpu: 20 } }).gpuLayers, 20);
  assert.deepEqual(loadPlan({ ...base, gpu: true }).gpuLayers, "auto");
});

test("sample plan: request over PARAMETER over Ollama's defaults, with what cannot be honoured", () => {
  const loaded = loadPlan({ params: {}, trainContextSize: 1024, gpu: false, cpuCores: 2 });
  const d = samplePlan({}, {}, loaded);
  assert.deepEqual(d, {
    numPredict: 10 * 1024, numKeep: 4, stop: [], temperature: 0.8, topK: 40, topP: 0.9, minP: 0, seed: undefined,
    repeatLastN: 64, repeatPenalty: 1.1, presencePenalty: 0, frequencyPenalty: 0, notHonoured: [],
  });
  const p = samplePlan({ temperature: 0, seed: 42, stop: ["a", ""], repeat_last_n: -1 }, { temperature: 0.3, typical_p: 0.5, num_ctx: 99, num_thread: 2 }, loaded);
  assert.deepEqual([p.temperature, p.seed, p.stop, p.repeatLastN], [0.3, 42, ["a"], 1024]);
  assert.deepEqual(p.notHonoured.map((n) => n.name), ["typical_p", "num_ctx"]);
  assert.deepEqual(samplePlan({ draft_num_predict: 4 }, { num_ctx: 1024 }, loaded).notHonoured.map((n) => n.name), ["draft_num_predict"]);
});

// Ollama bounds every generation: num_predict -1 (its default) and anything above 10 x num_ctx become
// 10 x num_ctx: https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/llm/llama_server.go#L106-L118
// (openEndedGenerationContextMultiplier = 10, L79; its test TestBoundedNumPredict in llm/llama_server_test.go).
test("num_predict is bounded as Ollama's runner bounds it: 10 x num_ctx", () => {
  assert.equal(OPEN_ENDED_CONTEXT_MULTIPLIER, 10);
  const cases: [number, number, number][] = [
    [-1, 2048, 20480], // open ended gets a finite budget
    [100, 2048, 100], // explicit under the limit is kept
    [30000, 2048, 20480], // explicit over the limit is capped
    [0, 256, 2560], // 0, "no limit" to Ollama's older runner, is open ended too
    [-2, 256, -2], // fill the context: ends when the context is full, below the cap
  ];
  for (const [numPredict, numCtx, want] of cases) assert.equal(boundedNumPredict(numPredict, numCtx), want, `${numPredict} at ${numCtx}`);
  const loaded = loadPlan({ params: { num_ctx: 300 }, trainContextSize: 2048, gpu: false, cpuCores: 2 });
  assert.equal(samplePlan({}, {}, loaded).numPredict, 3000);
  assert.equal(samplePlan({ num_predict: 50 }, { num_predict: 99999 }, loaded).numPredict, 3000);
});

test("integer rules of JSON Schema grammars have no exponent (llama.cpp's integer rule: an exponent would parse as a float)", async () => {
  const { schemaGrammar } = await import("../../src/runtime/grammar.js");
  assert.match(schemaGrammar({ type: "integer" }), /^root ::= \("-"\? integral-part\)$/m);
});

test("durations print as Go's time.Duration", () => {
  const cases: [number, string][] = [
    [0, "0s"], [999, "999ns"], [1000, "1µs"], [1500, "1.5µs"], [12_345_678, "12.345678ms"], [1_000_000, "1ms"],
    [1_000_000_000, "1s"], [2_000_000_001, "2.000000001s"], [63_500_000_000, "1m3.5s"], [7_200_000_000_000, "2h0m0s"], [3_723_000_000_000, "1h2m3s"],
  ];
  for (const [ns, s] of cases) assert.equal(formatGoDuration(ns), s, String(ns));
});

test("--verbose figures are Ollama's lines", () => {
  const text = ollamaTimingSummary({ promptTokens: 26, completionTokens: 298, timings: { totalNs: 6_254_334_213, loadNs: 2_519_334, promptEvalNs: 214_452_000, evalNs: 6_035_813_000 } });
  assert.equal(text, [
    "total duration:       6.254334213s",
    "load duration:        2.519334ms",
    "prompt eval count:    26 token(s)",
    "prompt eval duration: 214.452ms",
    "prompt eval rate:     121.24 tokens/s",
    "eval count:           298 token(s)",
    "eval duration:        6.035813s",
    "eval rate:            49.37 tokens/s",
    "",
  ].join("\n"));
  assert.equal(ollamaTimingSummary({ promptTokens: 0, completionTokens: 0, timings: { totalNs: 5, loadNs: 0, promptEvalNs: 0, evalNs: 0 } }), "total duration:       5ns\n");
});

test("default threads: MODELSMITH_NUM_THREAD when a positive integer, else the math cores up to 4", () => {
  assert.equal(defaultThreads({ cpuMathCores: 16 }, {}), 4);
  assert.equal(defaultThreads({ cpuMathCores: 2 }, {}), 2);
  assert.equal(defaultThreads({ cpuMathCores: 16 }, { MODELSMITH_NUM_THREAD: "1" }), 1);
  assert.equal(defaultThreads({ cpuMathCores: 2 }, { MODELSMITH_NUM_THREAD: "8" }), 8);
  for (const bad of ["0", "-2", "1.5", "many", ""]) assert.equal(defaultThreads({ cpuMathCores: 2 }, { MODELSMITH_NUM_THREAD: bad }), 2, bad);
});
