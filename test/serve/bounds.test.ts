import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { Ollama } from "ollama";
import { MAX_BODY_BYTES } from "../../src/serve/http.js";
import type { RunningServer } from "../../src/serve/index.js";
import { apiError, ollamaClient, openaiClient, oracleText, serveEnv, type ServeEnv } from "./helpers.js";

/** Requests that must end, and a 413 that must not poison its connection. */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let openai: OpenAI;

before(async () => {
  env = await serveEnv();
  server = await env.start();
  ollama = ollamaClient(server);
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

// OpenAI's answer to max_tokens 0, as users report it: https://github.com/it-at-m/mucgpt/issues/608
test("/v1: max_tokens (or max_completion_tokens) below 1 is OpenAI's 400 integer_below_min_value, with the param; the model still answers", async () => {
  const cases = [
    ["max_tokens", 0, () => openai.chat.completions.create({ model: "oracle", messages: [{ role: "user", content: "hi" }], max_tokens: 0 })],
    ["max_completion_tokens", 0, () => openai.chat.completions.create({ model: "oracle", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 0 })],
    ["max_tokens", 0, () => openai.completions.create({ model: "oracle", prompt: "hi", max_tokens: 0 })],
    ["max_tokens", -1, () => openai.completions.create({ model: "oracle", prompt: "hi", max_tokens: -1 })],
  ] as const;
  for (const [param, got, call] of cases) {
    const err = await apiError(call());
    assert.equal(err.status, 400);
    assert.deepEqual(err.error, {
      message: `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${got} instead.`,
      type: "invalid_request_error",
      param,
      code: "integer_below_min_value",
    });
  }
  const one = await openai.chat.completions.create({ model: "oracle", messages: [{ role: "user", content: "The lazy" }], max_tokens: 1 });
  assert.deepEqual([one.choices[0]!.message.content, one.choices[0]!.finish_reason], [oracleText("The lazy", 1), "length"]);
});

// Ollama's runner counts a limit only when num_predict > 0:
// https://github.com/ollama/ollama/blob/bd6c1d6b49aca86dbb1a59182b293c0d1f7b8db8/runner/llamarunner/runner.go#L425
test("num_predict 0 is Ollama's `no limit`, as -1: the model runs to EOS", async () => {
  const zero = await ollama.generate({ model: "oracle-eos", prompt: "The quick brown", options: { num_predict: 0 } });
  const unlimited = await ollama.generate({ model: "oracle-eos", prompt: "The quick brown", options: { num_predict: -1 } });
  const capped = await ollama.generate({ model: "oracle-eos", prompt: "The quick brown", options: { num_predict: 2 } });
  assert.deepEqual([zero.response, zero.done_reason, zero.eval_count], [unlimited.response, "stop", unlimited.eval_count]);
  assert.ok(zero.eval_count > capped.eval_count, `${zero.eval_count} vs ${capped.eval_count}`);
});

interface Answer {
  status: number;
  connection: string | undefined;
  text: string;
  reusedSocket: boolean;
}

/** One request through `agent`; the body whole, or in 1 MiB chunks (chunked encoding) when `chunks` is given. */
function send(agent: http.Agent, method: string, path: string, body?: { whole?: Buffer; chunks?: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method, agent, headers: body?.chunks ? { "Transfer-Encoding": "chunked" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, text, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    if (body?.chunks) for (let i = 0; i < body.chunks; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
    req.end(body?.whole);
  });
}

test("a 413 closes its connection (Connection: close): the next request on that keep-alive agent gets a fresh socket and its answer", async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await send(agent, "GET", "/api/version");
    assert.deepEqual([first.status, first.connection], [200, "keep-alive"]);
    const sized = await send(agent, "POST", "/api/generate", { whole: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20) });
    assert.deepEqual([sized.status, sized.connection, sized.reusedSocket], [413, "close", true], sized.text);
    assert.match(sized.text, /larger than/);
    const next = await send(agent, "GET", "/api/version");
    assert.deepEqual([next.status, next.reusedSocket], [200, false]);
    const chunked = await send(agent, "POST", "/v1/chat/completions", { chunks: Math.ceil(MAX_BODY_BYTES / 2 ** 20) + 1 });
    assert.deepEqual([chunked.status, chunked.connection], [413, "close"], chunked.text);
    const after = await send(agent, "GET", "/api/version");
    assert.deepEqual([after.status, after.reusedSocket], [200, false]);
  } finally {
    agent.destroy();
  }
});
