import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { RunningServer } from "../../src/serve/index.js";
import { oracleText, post, serveEnv, TEST_MODELS, THINKER_MODEL, WEATHER_ANSWER, WEATHER_CALL, WEATHER_MODEL, WEATHER_QUESTION, WEATHER_TOOL, type ServeEnv } from "./helpers.js";

/**
 * Anthropic's Messages API through the official `@anthropic-ai/sdk`, as
 * Ollama serves it (anthropic/anthropic.go): text, streaming events, a tool
 * round trip (tool_use, tool_result, the answer) streamed and not, thinking
 * blocks, Anthropic's error shape.
 */

let env: ServeEnv;
let server: RunningServer;
let client: Anthropic;

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle!, weather: WEATHER_MODEL, thinker: THINKER_MODEL });
  server = await env.start();
  client = new Anthropic({ baseURL: server.url, apiKey: "k", maxRetries: 0 });
});
after(() => env?.cleanup(), { timeout: 30_000 });

const weatherTool: Anthropic.Tool = { name: WEATHER_TOOL.function.name, description: WEATHER_TOOL.function.description, input_schema: WEATHER_TOOL.function.parameters as Anthropic.Tool.InputSchema };

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go#L656-L716
test("messages.create: a text block, stop_reason max_tokens at max_tokens, usage; a system prompt", async () => {
  const m = await client.messages.create({ model: "oracle", max_tokens: 5, messages: [{ role: "user", content: "The quick brown" }] });
  assert.match(m.id, /^msg_[0-9a-f]{24}$/);
  assert.deepEqual([m.type, m.role, m.model], ["message", "assistant", "oracle"]);
  assert.deepEqual(m.content, [{ type: "text", text: oracleText("The quick brown", 5) }]);
  assert.equal(m.stop_reason, "max_tokens");
  assert.equal(m.usage.output_tokens, 5);
  assert.ok(m.usage.input_tokens > 0);
  // The system text comes first, the user's last word decides the oracle's continuation.
  const sys = await client.messages.create({ model: "oracle", max_tokens: 3, system: "Be brief.", messages: [{ role: "user", content: [{ type: "text", text: "jumps" }] }] });
  assert.deepEqual(sys.content, [{ type: "text", text: oracleText("jumps", 3) }]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go#L749-L981
test("messages.stream: message_start, a text block's deltas, message_delta with the stop reason, message_stop", async () => {
  const stream = client.messages.stream({ model: "oracle", max_tokens: 6, messages: [{ role: "user", content: "The lazy" }] });
  const types: string[] = [];
  const texts: string[] = [];
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === "content_block_delta" && e.delta.type === "text_delta") texts.push(e.delta.text);
  }
  assert.equal(texts.join(""), oracleText("The lazy", 6));
  assert.deepEqual([types[0], types[1], types.at(-3), types.at(-2), types.at(-1)], ["message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop"]);
  const final = await stream.finalMessage();
  assert.deepEqual(final.content.map((b) => [b.type, b.type === "text" ? b.text : ""]), [["text", oracleText("The lazy", 6)]]);
  assert.equal(final.stop_reason, "max_tokens");
});

test("tools, not streamed: a tool_use block (stop_reason tool_use), the tool_result sent back, the final answer (end_turn)", async () => {
  const question: Anthropic.MessageParam = { role: "user", content: WEATHER_QUESTION };
  const first = await client.messages.create({ model: "weather", max_tokens: 100, tools: [weatherTool], messages: [question] });
  assert.equal(first.stop_reason, "tool_use");
  const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
  assert.equal(uses.length, 1);
  assert.deepEqual([uses[0]!.name, uses[0]!.input], [WEATHER_CALL.name, WEATHER_CALL.arguments]);
  assert.match(uses[0]!.id, /^call_[a-z0-9]{8}$/);
  const final = await client.messages.create({
    model: "weather",
    max_tokens: 100,
    tools: [weatherTool],
    messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: uses[0]!.id, content: "22 degrees" }] }],
  });
  assert.equal(final.stop_reason, "end_turn");
  assert.deepEqual(final.content, [{ type: "text", text: WEATHER_ANSWER }]);
});

test("tools, streamed: the tool_use block's input arrives as input_json_delta; the round trip ends in text", async () => {
  const question: Anthropic.MessageParam = { role: "user", content: WEATHER_QUESTION };
  const first = await client.messages.stream({ model: "weather", max_tokens: 100, tools: [weatherTool], messages: [question] }).finalMessage();
  const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
  assert.deepEqual([use?.name, use?.input], [WEATHER_CALL.name, WEATHER_CALL.arguments]);
  assert.equal(first.stop_reason, "tool_use");
  const final = await client.messages
    .stream({ model: "weather", max_tokens: 100, tools: [weatherTool], messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use!.id, content: [{ type: "text", text: "22 degrees" }] }] }] })
    .finalMessage();
  assert.equal(final.content.map((b) => (b.type === "text" ? b.text : "")).join(""), WEATHER_ANSWER);
  assert.equal(final.stop_reason, "end_turn");
});

test("thinking: a thinking block before the text, streamed and not; asked of a model that cannot think, it is dropped (Ollama's relax_thinking)", async () => {
  const thinking = { type: "enabled" as const, budget_tokens: 1024 };
  const m = await client.messages.create({ model: "thinker", max_tokens: 50, thinking, messages: [{ role: "user", content: "go" }] });
  assert.deepEqual(m.content.map((b) => [b.type, b.type === "thinking" ? b.thinking : b.type === "text" ? b.text : ""]), [["thinking", "hmm "], ["text", "yes"]]);
  const s = await client.messages.stream({ model: "thinker", max_tokens: 50, thinking, messages: [{ role: "user", content: "go" }] }).finalMessage();
  assert.deepEqual(s.content.map((b) => [b.type, b.type === "thinking" ? b.thinking : b.type === "text" ? b.text : ""]), [["thinking", "hmm "], ["text", "yes"]]);
  const plain = await client.messages.create({ model: "oracle", max_tokens: 2, thinking, messages: [{ role: "user", content: "The quick" }] });
  assert.deepEqual(plain.content, [{ type: "text", text: oracleText("The quick", 2) }]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/middleware/anthropic.go#L736-L760
test("errors in Anthropic's shape: unknown model NotFoundError; no max_tokens 400 invalid_request_error", async () => {
  await assert.rejects(client.messages.create({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }), (err: unknown) => {
    assert.ok(err instanceof Anthropic.NotFoundError);
    assert.equal((err.error as { error: { type: string } }).error.type, "not_found_error");
    return true;
  });
  const r = await post(`${server.url}/v1/messages`, { model: "oracle", messages: [{ role: "user", content: "hi" }] });
  assert.equal(r.status, 400);
  const body = r.json as { type: string; error: { type: string; message: string }; request_id: string };
  assert.deepEqual([body.type, body.error], ["error", { type: "invalid_request_error", message: "max_tokens is required and must be positive" }]);
  assert.match(body.request_id, /^req_[0-9a-f]{24}$/);
});

test("--api-key: Anthropic's SDK sends the key as x-api-key; a wrong one is AuthenticationError", async () => {
  const keyed = await env.start({ apiKey: "s3cret" });
  const ok = await new Anthropic({ baseURL: keyed.url, apiKey: "s3cret", maxRetries: 0 }).messages.create({ model: "oracle", max_tokens: 2, messages: [{ role: "user", content: "The quick" }] });
  assert.deepEqual(ok.content, [{ type: "text", text: oracleText("The quick", 2) }]);
  await assert.rejects(new Anthropic({ baseURL: keyed.url, apiKey: "wrong", maxRetries: 0 }).messages.create({ model: "oracle", max_tokens: 2, messages: [{ role: "user", content: "hi" }] }), Anthropic.AuthenticationError);
});
