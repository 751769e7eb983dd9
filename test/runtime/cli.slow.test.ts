import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Diagnostic } from "../../src/diagnostics/index.js";
import { openModel } from "../../src/runtime/index.js";
import { oracleContinuation, oracleLlama, randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { hasStackTrace, runCli } from "../helpers/cli.js";
import { storeModel, tempStore } from "./store-model.js";

const TEMPLATE = "{{ .System }} {{ .Prompt }}";
const RANGE_SCHEMA = { type: "object", properties: { n: { type: "integer", minimum: 5, maximum: 7 }, c: { type: "string", pattern: "^[a-c]{2}$" } }, required: ["n", "c"], additionalProperties: false };
let env: Awaited<ReturnType<typeof tempStore>>;
const run = (args: string[], input = "") => runCli(["run", ...args], { env: { MODELSMITH_HOME: env.root }, input });

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "oracle", { gguf: oracleLlama({}), template: TEMPLATE, system: "Say:", params: { temperature: 0, num_predict: 6, num_ctx: 256, num_thread: 1 } });
  // No num_predict: a model that stops by itself, and random weights under FORMAT json, which never need to.
  await storeModel(env.store, "oracle-free", { gguf: oracleLlama({}), template: TEMPLATE, params: { temperature: 0, num_ctx: 256, num_thread: 1 } });
  await storeModel(env.store, "random-json", { gguf: randomLlama(TINY_RANDOM), format: "json", params: { num_ctx: 64, num_thread: 1, seed: 5 } });
  await storeModel(env.store, "random-range", { gguf: randomLlama(TINY_RANDOM), format: RANGE_SCHEMA, params: { num_ctx: 256, num_thread: 1, seed: 2 } });
  await storeModel(env.store, "random-refused", { gguf: randomLlama(TINY_RANDOM), format: { type: "object", properties: { w: { type: "string", pattern: "^(?<name>x)$" } } }, params: { num_ctx: 64, num_thread: 1 } });
  await storeModel(env.store, "oracle-odd", { gguf: oracleLlama({}), template: TEMPLATE, params: { temperature: 0, num_predict: 2, num_ctx: 256, num_thread: 1, typical_p: 0.5, mirostat: 1 } });
});
after(() => env?.cleanup());

const PREDICTED = oracleContinuation({}, "Say: The quick brown", 6);
const KNOWN = PREDICTED.rawText;
// BOS, "▁" and the byte tokens of "Say:" (not in the oracle's vocabulary), then ▁The ▁quick ▁brown.
const PROMPT_TOKENS = PREDICTED.promptTokens.length;

test("a prompt argument and the same prompt piped on stdin give the oracle's text", async () => {
  assert.deepEqual([KNOWN, PROMPT_TOKENS], [" fox jumps over the lazy dog", 9]);
  const arg = await run(["oracle", "The", "quick", "brown"]);
  assert.deepEqual(arg, { exitCode: 0, stdout: `${KNOWN}\n`, stderr: "" });
  const piped = await run(["oracle"], "The quick brown");
  assert.deepEqual(piped, arg);
});

test("without num_predict the oracle stops by itself at its end-of-sequence", async () => {
  const r = await run(["oracle-free", "The quick brown", "--verbose"]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, `${oracleContinuation({}, " The quick brown", 100).rawText}\n`);
  assert.equal(r.stdout, " fox jumps over the lazy dog.\n");
  assert.match(r.stderr, /^eval count: +7 token\(s\)$/m);
});

test("FORMAT json on random weights without num_predict ends: at the object's end, or at 10 x num_ctx tokens", async () => {
  for (const prompt of ["Extract the entities", "Jane Doe lives in Berlin."]) {
    const r = await run(["random-json", prompt, "--verbose"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const count = Number(/^eval count: +(\d+) token\(s\)$/m.exec(r.stderr)?.[1]);
    assert.ok(count > 0 && count <= 640, r.stderr);
    const text = r.stdout.slice(0, -1);
    assert.ok(text.startsWith("{"), text);
    // Below the cap it stopped by itself, so the grammar was complete: one JSON object, nothing after it.
    if (count < 640) assert.equal(typeof JSON.parse(text), "object", text);
  }
});

test("a FORMAT schema with an integer range and a pattern (llama.cpp's converter) gives valid JSON without num_predict; one it cannot translate is exit 2 naming the path", async () => {
  const r = await run(["random-range", "a number"]);
  assert.equal(r.exitCode, 0, r.stderr);
  const value = JSON.parse(r.stdout) as { n: number; c: string };
  assert.deepEqual(Object.keys(value), ["n", "c"]);
  assert.ok(value.n >= 5 && value.n <= 7 && /^[a-c]{2}$/.test(value.c), r.stdout);
  const refused = await run(["random-refused", "x"]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(refused.stderr, /MS8300.*at \/properties\/w: `pattern` "\^\(\?<name>x\)\$": unsupported syntax "\(\?"/);
  assert.ok(!hasStackTrace(refused.stderr), refused.stderr);
});

test("-p overrides a PARAMETER, typed by the table", async () => {
  const r = await run(["oracle", "The quick brown", "-p", "num_predict=2", "-p", "stop=lazy"]);
  assert.deepEqual([r.exitCode, r.stdout], [0, " fox jumps\n"]);
  const stopped = await run(["oracle", "The quick brown", "-p", "stop=lazy", "-p", "stop=jumps"]);
  assert.equal(stopped.stdout, " fox \n");
});

test("the tutorial's `run mistral --verbose \"…\" --num-ctx 4096`: one option per PARAMETER, dashes or underscores; -p wins over it", async () => {
  const r = await run(["oracle", "--verbose", "The quick brown", "--num-ctx", "512", "--num_predict", "2"]);
  assert.deepEqual([r.exitCode, r.stdout], [0, " fox jumps\n"], r.stderr);
  assert.match(r.stderr, /^eval count: +2 token\(s\)$/m);
  const stops = await run(["oracle", "The quick brown", "--stop", "lazy", "--stop", "jumps"]);
  assert.equal(stops.stdout, " fox \n");
  const both = await run(["oracle", "The quick brown", "--num-predict", "2", "-p", "num_predict=3"]);
  assert.equal(both.stdout, " fox jumps over\n");
  const bad = await run(["oracle", "hi", "--num-ctx", "big"]);
  assert.deepEqual([bad.exitCode, bad.stderr], [2, 'error[MS8002]: --num-ctx: option num_ctx must be an integer, got "big"\n']);
  const unknown = await run(["oracle", "hi", "--num-cxt", "4096"]);
  assert.equal(unknown.exitCode, 2);
  assert.equal(unknown.stderr, "error[MS9001]: unknown option `--num-cxt`\nhint: did you mean `--num-ctx`?\n");
});

test("-p with a misspelled name is exit 2 with a did-you-mean, before loading anything", async () => {
  const r = await run(["no-such-model", "hi", "-p", "temprature=0"]);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, 'error[MS8001]: -p: unknown option "temprature"\nhint: did you mean `temperature`?\n');
  assert.ok(!hasStackTrace(r.stderr));
  const bare = await run(["oracle", "hi", "-p", "temperature"]);
  assert.deepEqual([bare.exitCode, bare.stderr.split("\n")[0]], [2, 'error[MS8010]: -p "temperature": expected key=value']);
  const value = await run(["oracle", "hi", "-p", "top_k=many"]);
  assert.deepEqual([value.exitCode, value.stderr.split("\n")[0]], [2, 'error[MS8002]: -p: option top_k must be an integer, got "many"']);
});

test("an unknown model is exit 2 with a did-you-mean over stored names", async () => {
  const r = await run(["oracel", "hi"]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /^error\[MS5102\]: model oracel:latest not found in the store\nhint: did you mean `oracle:latest`\?\n$/);
});

test("empty piped stdin and no prompt is MS8011", async () => {
  const r = await run(["oracle"], "");
  assert.deepEqual([r.exitCode, r.stderr.split("\n")[0]], [2, "error[MS8011]: no prompt: stdin was empty and no prompt was given"]);
});

test("--verbose prints Ollama's timing figures to stderr", async () => {
  const r = await run(["oracle", "The quick brown", "--verbose"]);
  assert.equal(r.stdout, `${KNOWN}\n`);
  const labels = r.stderr.split("\n").filter(Boolean).map((l) => l.slice(0, 22));
  assert.deepEqual(labels, ["total duration:       ", "load duration:        ", "prompt eval count:    ", "prompt eval duration: ", "prompt eval rate:     ", "eval count:           ", "eval duration:        ", "eval rate:            "]);
  assert.match(r.stderr, /^prompt eval count: {4}9 token\(s\)$/m);
  assert.match(r.stderr, /^eval count: {11}6 token\(s\)$/m);
  assert.match(r.stderr, /^eval rate: {12}\d+\.\d\d tokens\/s$/m);
  assert.match(r.stderr, /^total duration: {7}[\d.]+(ms|s)$/m);
});

test("--json prints one document with Ollama's field names", async () => {
  const r = await run(["oracle", "The quick brown", "--json"]);
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc), ["model", "response", "done", "done_reason", "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"]);
  assert.deepEqual([doc.model, doc.response, doc.done_reason, doc.prompt_eval_count, doc.eval_count], ["oracle:latest", KNOWN, "length", PROMPT_TOKENS, 6]);
});

test("a parameter that cannot be honoured is reported once, by the API and by run", async () => {
  const warnings: Diagnostic[] = [];
  const m = await openModel(env.root, "oracle-odd", { gpu: false, onWarning: (d) => warnings.push(d) });
  try {
    for (let i = 0; i < 3; i++) await m.generate({ prompt: "The", options: { typical_p: 0.7, mirostat: 2 } });
  } finally {
    await m.close();
  }
  assert.deepEqual(warnings.map((w) => [w.code, w.severity, w.message]), [
    ["MS8003", "warning", "model oracle-odd:latest: parameter mirostat is not honoured: it is deprecated; Ollama ignores it too"],
    ["MS8003", "warning", "model oracle-odd:latest: parameter typical_p is not honoured: node-llama-cpp has no locally typical sampler"],
  ]);
  const r = await run(["oracle-odd", "The"]);
  assert.equal(r.stdout, " quick brown\n");
  assert.equal(r.stderr.match(/MS8003/g)?.length, 2);
});

test("without a prompt on a terminal: a chat that keeps its history until /bye", async () => {
  const { PassThrough } = await import("node:stream");
  const yargs = (await import("yargs")).default;
  const { CliContext } = await import("../../src/cli/context.js");
  const { runCommand } = await import("../../src/cli/commands/run.js");
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  const ctx = new CliContext(stdout, stderr, { MODELSMITH_HOME: env.root });
  const stdin = new PassThrough();
  stdin.end("The quick brown\nover the\n/bye\nThe\n");
  await yargs(["run", "oracle"]).command(runCommand(ctx, { isTTY: true, stream: stdin })).exitProcess(false).parseAsync();
  // Turn 2 renders the whole history through the template: the legacy path runs it per prompt/response pair.
  const second = oracleContinuation({}, `Say: The quick brown${KNOWN} over the`, 6).rawText;
  assert.equal(second, " lazy dog.");
  assert.equal(out, `>>> ${KNOWN}\n\n>>> ${second}\n\n>>> `);
});
