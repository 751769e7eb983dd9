import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type OpenAI from "openai";
import type { RunningServer } from "../../src/serve/index.js";
import { apiError, collect, openaiClient, oracleText, serveEnv, TEST_MODELS, THINKER_MODEL, WEATHER_ANSWER, WEATHER_CALL, WEATHER_MODEL, WEATHER_QUESTION, WEATHER_TOOL, type ServeEnv } from "./helpers.js";

/**
 * OpenAI's Responses API through the official `openai` client, stateless as
 * Ollama serves it (openai/responses.go): text, stream events, a function
 * call round trip streamed and not, reasoning items.
 */

let env: ServeEnv;
let server: RunningServer;
let openai: OpenAI;

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle!, weather: WEATHER_MODEL, thinker: THINKER_MODEL });
  server = await env.start();
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

const weatherTool: OpenAI.Responses.FunctionTool = { type: "function", name: WEATHER_TOOL.function.name, description: WEATHER_TOOL.function.description, parameters: WEATHER_TOOL.function.parameters, strict: false };

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go#L898-L1024
test("responses.create: one message item with the output_text, status completed, usage; instructions", async () => {
  const r = await openai.responses.create({ model: "oracle", input: "The quick brown", max_output_tokens: 5 });
  assert.match(r.id, /^resp_\d+$/);
  assert.deepEqual([r.object, r.status, r.model, (r as unknown as { store: boolean }).store], ["response", "completed", "oracle", false]);
  assert.equal(r.output_text, oracleText("The quick brown", 5));
  assert.equal(r.output.length, 1);
  assert.deepEqual([r.output[0]!.type, (r.output[0] as OpenAI.Responses.ResponseOutputMessage).role], ["message", "assistant"]);
  assert.deepEqual([r.usage?.output_tokens, r.usage!.total_tokens - r.usage!.input_tokens], [5, 5]);
  const items = await openai.responses.create({ model: "oracle", instructions: "Be brief.", input: [{ role: "user", content: [{ type: "input_text", text: "jumps" }] }], max_output_tokens: 3 });
  assert.equal(items.output_text, oracleText("jumps", 3));
  assert.equal(items.instructions, "Be brief.");
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go#L1084-L1110
test("responses streamed: created, in_progress, output_text deltas, done events, completed with the whole output; sequence numbers in order", async () => {
  const events = await collect(await openai.responses.create({ model: "oracle", input: "The lazy", max_output_tokens: 6, stream: true }));
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 4), ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
  assert.deepEqual(types.slice(-4), ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  const text = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
  assert.equal(text, oracleText("The lazy", 6));
  const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
  assert.equal(completed.response.output_text ?? (completed.response.output[0] as OpenAI.Responses.ResponseOutputMessage).content.map((c) => (c.type === "output_text" ? c.text : "")).join(""), text);
  const final = await openai.responses.stream({ model: "oracle", input: "The lazy", max_output_tokens: 6 }).finalResponse();
  assert.equal(final.output_text, text);
});

test("function calls: a function_call item, its output sent back as function_call_output, the final answer; streamed too", async () => {
  const first = await openai.responses.create({ model: "weather", input: WEATHER_QUESTION, tools: [weatherTool] });
  const calls = first.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === "function_call");
  assert.equal(calls.length, 1);
  assert.deepEqual([calls[0]!.name, JSON.parse(calls[0]!.arguments), calls[0]!.status], [WEATHER_CALL.name, WEATHER_CALL.arguments, "completed"]);
  assert.match(calls[0]!.call_id, /^call_[a-z0-9]{8}$/);
  const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: WEATHER_QUESTION }, calls[0]!, { type: "function_call_output", call_id: calls[0]!.call_id, output: "22 degrees" }];
  const final = await openai.responses.create({ model: "weather", input, tools: [weatherTool] });
  assert.equal(final.output_text, WEATHER_ANSWER);
  const events = await collect(await openai.responses.create({ model: "weather", input: WEATHER_QUESTION, tools: [weatherTool], stream: true }));
  const done = events.filter((e): e is OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent => e.type === "response.function_call_arguments.done");
  assert.deepEqual(done.map((e) => JSON.parse(e.arguments)), [WEATHER_CALL.arguments]);
  const streamedFinal = await openai.responses.stream({ model: "weather", input, tools: [weatherTool] }).finalResponse();
  assert.equal(streamedFinal.output_text, WEATHER_ANSWER);
});

test("reasoning: a reasoning item with the summary before the message, streamed and not; effort none turns it off", async () => {
  const r = await openai.responses.create({ model: "thinker", input: "go" });
  assert.deepEqual(r.output.map((o) => o.type), ["reasoning", "message"]);
  assert.deepEqual((r.output[0] as OpenAI.Responses.ResponseReasoningItem).summary, [{ type: "summary_text", text: "hmm " }]);
  assert.equal(r.output_text, "yes");
  const events = await collect(await openai.responses.create({ model: "thinker", input: "go", stream: true }));
  assert.equal(events.flatMap((e) => (e.type === "response.reasoning_summary_text.delta" ? [e.delta] : [])).join(""), "hmm ");
  assert.equal(events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join(""), "yes");
  const off = await openai.responses.create({ model: "thinker", input: "go", reasoning: { effort: "none" as never } });
  assert.deepEqual(off.output.map((o) => o.type), ["message"]);
});

test("errors: an unknown model 404; previous_response_id (nothing is stored) 400", async () => {
  assert.equal((await apiError(openai.responses.create({ model: "nope", input: "hi" }))).status, 404);
  const prev = await apiError(openai.responses.create({ model: "oracle", input: "hi", previous_response_id: "resp_1" }));
  assert.deepEqual([prev.status, prev.param], [400, "previous_response_id"]);
});
