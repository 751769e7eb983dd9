import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { bytesAsText, modelBlob } from "../../bench/inference.js";
import { buildLlamaServer } from "../../bench/llama-server-build.js";
import { promptOf, startLlamaServer, stop, streamCompletion, type Running } from "../../bench/serve.js";
import type { RunningServer } from "../../src/serve/index.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { serveEnv, type ServeEnv } from "./helpers.js";

// The serve bench's baseline (bench/serve.ts): llama.cpp's own llama-server,
// built from the bundled source against node-llama-cpp's prebuilt libraries
// (several minutes on 2 cores the first time, then cached under the temp dir;
// skipped where it cannot be built). Pins what the bench relies on: the same
// blob gives the same greedy tokens on both servers through the bench's client,
// and why the bench model's byte tokens are typed NORMAL.

const exe = buildLlamaServer();
const BYTES_SHAPE = { name: "random", seed: 1, tensorType: "F16", nEmbd: 512, nFf: 1536, nLayer: 2, vocabSize: 4096, nHead: 4, nHeadKv: 4, contextLength: 2048 } as const;
let env: ServeEnv;
let ours: RunningServer;
let theirs: Running | undefined;
let raw: Running | undefined;

before(async () => {
  if (!exe) return;
  env = await serveEnv({
    text: { gguf: bytesAsText(randomLlama(TINY_RANDOM)), params: { num_ctx: 256 } },
    // The serve bench's small shape (BENCH_INFER_EMBD=512 …), its byte tokens as they are.
    bytes: { gguf: randomLlama(BYTES_SHAPE), params: { num_ctx: 256 } },
  });
  ours = await env.start({ parallel: 2 });
  theirs = await startLlamaServer(exe, modelBlob(env.root, "text", "latest"), { threads: 1, parallel: 2, ctx: 256, logDir: env.root });
}, { timeout: 900_000 });

after(async () => {
  if (theirs) await stop(theirs.child);
  if (raw) await stop(raw.child);
  await env?.cleanup();
});

test("llama-server and modelsmith serve stream the same greedy tokens of one blob (the bench's client)", { skip: !exe && "llama-server cannot be built here" }, async () => {
  for (const tag of ["a", "b", "c"]) {
    const body = { prompt: promptOf(tag, 6), max_tokens: 24 };
    const a = await streamCompletion(ours.url, { ...body, model: "text" });
    const b = await streamCompletion(theirs!.url, { ...body, model: "text" });
    assert.equal(a.promptTokens, b.promptTokens, "prompt tokens");
    assert.equal(a.completionTokens, b.completionTokens, "completion tokens");
    assert.equal(a.text, b.text);
    assert.ok(a.completionTokens > 0);
  }
});

// llama-server parses every answer with its chat parser, /v1/completions too, and a
// parse failure is the request's 500:
// https://github.com/ggml-org/llama.cpp/blob/5b4ebc5/common/chat.cpp#L3880 (common_chat_peg_parse)
// https://github.com/ggml-org/llama.cpp/blob/5b4ebc5/tools/server/server-task.h#L367 (update_chat_msg on the final result)
test("llama-server fails a completion whose bytes are invalid UTF-8: why the bench types byte tokens NORMAL", { skip: !exe && "llama-server cannot be built here" }, async () => {
  raw = await startLlamaServer(exe!, modelBlob(env.root, "bytes", "latest"), { threads: 1, parallel: 1, ctx: 256, logDir: env.root });
  const failures: string[] = [];
  const texts: string[] = [];
  for (const tag of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
    await streamCompletion(raw.url, { model: "bytes", prompt: promptOf(tag, 6), max_tokens: 64 }).then((r) => texts.push(r.text)).catch((err: Error) => failures.push(err.message));
  }
  // Greedy output of these random weights picks byte tokens of 0x80 and up.
  assert.ok(failures.length > 0, `at least one answer held a lone byte; the answers: ${JSON.stringify(texts)}`);
  for (const f of failures) assert.match(f, /does not match the expected Content-only format/);
});
