import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { combine, llamaServerSampling, serveRows, streamCompletion, type Measures, type Samples } from "../../bench/serve.js";
import { treeRss } from "../../tools/process-tree.js";
import type { RunningServer } from "../../src/serve/index.js";
import { oracleText, oracleTokens, serveEnv, type ServeEnv } from "./helpers.js";

// The serve bench's load script (bench/serve.ts) against a real `serve`: what it
// counts must be what the server generated, or its ratios against llama-server
// would compare different work.

let env: ServeEnv;
let server: RunningServer;

before(async () => {
  env = await serveEnv();
  server = await env.start({ parallel: 2 });
});
after(() => env?.cleanup(), { timeout: 30_000 });

test("the bench's streamed /v1/completions reads the text, TTFT and usage the server sent", async () => {
  const prompt = "The quick brown";
  const r = await streamCompletion(server.url, { model: "oracle", prompt, max_tokens: 7 });
  assert.equal(r.text, oracleText(prompt, 7));
  assert.equal(r.completionTokens, 7);
  assert.equal(r.promptTokens, oracleTokens(prompt));
  assert.ok(r.ttft > 0 && r.ttft <= r.total, `ttft ${r.ttft} within total ${r.total}`);
  assert.ok(r.decode >= 0 && r.ttft + r.decode <= r.total + 1e-6);
});

test("the bench's client rejects an error answer instead of counting it", async () => {
  await assert.rejects(streamCompletion(server.url, { model: "no-such-model", prompt: "x", max_tokens: 2 }), /answered 404/);
});

test("treeRss counts a process's children", async () => {
  const own = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
  const child = spawn(process.execPath, ["-e", "const b = Buffer.alloc(64 << 20, 1); setTimeout(() => b, 60000)"], { stdio: "ignore" });
  try {
    let tree = 0;
    for (let i = 0; i < 100 && tree < own + (60 << 20); i++) {
      await new Promise((r) => setTimeout(r, 50));
      tree = treeRss(process.pid);
    }
    assert.ok(tree >= own + (60 << 20), `tree ${tree} should hold this process (${own}) and the child's 64 MiB`);
  } finally {
    child.kill("SIGKILL");
  }
});

test("serveRows: ratios modelsmith / llama-server against the issue's targets", () => {
  const m = (scale: number, rss: number): Measures => ({ decode1: 100 * scale, ttft1: 0.1 / scale, agg: { 4: 200 * scale }, ttftP50: { 4: 0.2 / scale }, promptRate: 500 * scale, promptTokens: 512, rssIdle: rss, rssPeak: rss, counts: [128, 128] });
  const rows = serveRows(m(0.95, 1.1), m(1, 1), { threads: 2, parallel: 4 });
  assert.deepEqual(
    rows.map((r) => [r.ratio, r.target, r.ok]),
    [
      ["0.95", ">= 0.9", true],
      ["1.05", "<= 1.1", true],
      ["0.95", ">= 0.9", true],
      ["1.05", "<= 1.1", true],
      ["0.95", ">= 0.9", true],
      ["1.10", "<= 1.2", true],
      ["1.10", "<= 1.2", true],
    ],
  );
  const slow = serveRows(m(0.8, 1.5), { ...m(1, 1), counts: [128, 100] }, { threads: 2, parallel: 4 });
  assert.deepEqual(slow.map((r) => r.ok), [false, false, false, false, false, false, false]);
  assert.match(slow[0]!.measure, /token counts differ/);
});

test("combine: each measure is the median over every rep of every round; peak RSS the maximum; counts from round 1", () => {
  const round = (d: number[], rss: number, peak: number): Samples => ({ decode1: d, ttft1: d.map((x) => 1 / x), agg: { 4: d.map((x) => 2 * x) }, ttftP50: { 4: [0.2] }, promptRate: [500], promptTokens: 512, rssIdle: [rss], rssPeak: peak, counts: [d.length] });
  const m = combine([round([100, 90, 140], 10, 12), round([120, 80, 130], 20, 30)]);
  // All six reps: 80 90 100 120 130 140, median 110 (a round alone would say 100 or 120).
  assert.equal(m.decode1, 110);
  assert.equal(m.agg[4], 220);
  assert.equal(m.ttftP50[4], 0.2);
  assert.equal(m.rssIdle, 15);
  assert.equal(m.rssPeak, 30);
  assert.deepEqual(m.counts, [3]);
});

test("llamaServerSampling: Ollama's sampling defaults (which serve applies) in llama-server's request fields", () => {
  // Ollama's api.DefaultOptions (https://github.com/ollama/ollama/blob/main/api/types.go, DefaultOptions); llama-server's field
  // names (https://github.com/ggml-org/llama.cpp/blob/master/tools/server/server-schema.cpp: repeat_penalty, repeat_last_n, ...).
  assert.deepEqual(llamaServerSampling(), { top_k: 40, top_p: 0.9, min_p: 0, repeat_last_n: 64, repeat_penalty: 1.1, presence_penalty: 0, frequency_penalty: 0 });
});
