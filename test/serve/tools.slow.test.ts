import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Ollama } from "ollama";
import type OpenAI from "openai";
import { parseTemplate, type OllamaTool } from "../../src/gotemplate/index.js";
import type { RunningServer } from "../../src/serve/index.js";
import { toolCallTag, ToolParser } from "../../src/serve/tools.js";
import {
  apiError, collect, ollamaClient, ollamaFailure, openaiClient, post, serveEnv, TEST_MODELS, THINKER_MODEL, WEATHER_ANSWER, WEATHER_CALL, WEATHER_MODEL, WEATHER_QUESTION, WEATHER_TOOL, type ServeEnv,
} from "./helpers.js";

/**
 * Tool calling and thinking through the official `ollama` and `openai`
 * clients: Ollama's tool-call tag from the TEMPLATE, its parser over the
 * model's pieces, a whole round trip (call, the tool's result, the final
 * answer) streamed and not; OpenAI's tool_calls, tool messages, tool_choice
 * and `reasoning`.
 */

// Every case of Ollama's TestParseTag.
// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/tools/template_test.go
const PARSE_TAG_CASES: Array<[name: string, template: string, want: string]> = [
  ["empty", "", "{"],
  ["no tag", "{{if .ToolCalls}}{{end}}", "{"],
  ["no tag with range", "{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}{{end}}", "{"],
  ["tool call with json format", "{{if .ToolCalls}}```json\n{{end}}", "```json"],
  ["square brackets", "{{if .ToolCalls}}[{{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "["],
  ["square brackets with whitespace", "{{if .ToolCalls}}\n [ {{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "["],
  ["tailing ]", "{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "{"],
  ["whitespace only", "{{if .ToolCalls}} {{range .ToolCalls}}{{ . }}{{end}}{{end}}", "{"],
  ["whitespace only in range", "{{if .ToolCalls}}{{range .ToolCalls}}\n{{ . }}\n{{end}}{{end}}", "{"],
  ["json objects", "{{if .ToolCalls}}{{range .ToolCalls}}{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{end}}{{end}}", "{"],
  ["json objects with whitespace", "{{if .ToolCalls}}{{range .ToolCalls}}\n{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{end}}{{end}}", "{"],
  ["json objects with CRLF", "{{if .ToolCalls}}{{range .ToolCalls}}\r\n{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{end}}{{end}}", "{"],
  ["json objects with whitespace before and after range", "{{if .ToolCalls}}\n{{range .ToolCalls}}\n{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}\r\n{{end}}\r\n{{end}}", "{"],
  ["before and after range", "{{if .ToolCalls}}<|tool▁calls▁begin|>{{range .ToolCalls}}<|tool▁call▁begin|>functionget_current_weather\n```json\n{\"location\": \"Tokyo\"}\n```<|tool▁call▁end|>\n{{end}}<|tool▁calls▁end|>{{end}}", "<|tool▁calls▁begin|>"],
  ["after range", "{{if .ToolCalls}}{{range .ToolCalls}}<tool_call>{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}</tool_call>{{end}}{{end}}", "<tool_call>"],
  ["after range with leading whitespace before range", "{{if .ToolCalls}}\n{{range .ToolCalls}}<tool_call>{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}</tool_call>{{end}}{{end}}", "<tool_call>"],
  ["tool call in range with {", "{{if .ToolCalls}}{{range .ToolCalls}}<tool_call>{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}<tool_call>{{end}}{{end}}", "<tool_call>"],
  ["tool call with multiple text nodes", "{{if .ToolCalls}}First text{{if .Something}}inner{{end}}Second text{{end}}", "First text"],
  ["action tag", "{{if .ToolCalls}}Action: ```json{{end}}", "Action: ```json"],
  ["incomplete functools bracket", "{{if .ToolCalls}}functools[{{end}}", "functools["],
  ["uppercase tool call with incomplete bracket", "{{if .ToolCalls}}[TOOL_CALL] [{{end}}", "[TOOL_CALL] ["],
  ["uppercase tool call with adjacent bracket", "{{if .ToolCalls}}[TOOL_CALL][{{end}}", "[TOOL_CALL]["]
];

test("toolCallTag: Ollama's parseTag cases (the first text in the `if .ToolCalls`, cut before `{`)", () => {
  for (const [name, template, want] of PARSE_TAG_CASES) {
    assert.equal(toolCallTag(template === "" ? undefined : parseTemplate(template)), want, name);
  }
});

const fn = (name: string, properties: Record<string, unknown> = {}): OllamaTool => ({ type: "function", function: { name, parameters: { type: "object", properties: properties as never } } });
const PARSER_TOOLS = [fn("get_temperature", { city: { type: "string" }, format: { type: "string" } }), fn("get_conditions", { location: { type: "string" } }), fn("say_hello"), fn("say_hello_world")];

// Cases of Ollama's TestParser (qwen's `<tool_call>`, mistral's `[TOOL_CALLS] [`, plain JSON `{`), pieces fed one by one.
// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/tools/tools_test.go#L35-L788
test("ToolParser: Ollama's parser cases, whole and in pieces", () => {
  const qwen = '{{if .ToolCalls}}<tool_call>{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}</tool_call>{{end}}';
  const mistral = '{{if .ToolCalls}}[TOOL_CALLS] [{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}][/TOOL_CALLS]{{end}}';
  const json = '{{if .ToolCalls}}{{range .ToolCalls}}{"name": "{{.Function.Name}}", "arguments": {{.Function.Arguments}}}{{end}}{{end}}';
  const cases: Array<{ name: string; tmpl: string; inputs: string[]; content: string; calls: Array<[string, Record<string, unknown>]> }> = [
    { name: "no tool calls - just text", tmpl: qwen, inputs: ["Hello, how can I help you today?"], content: "Hello, how can I help you today?", calls: [] },
    { name: "tool call", tmpl: qwen, inputs: ['<tool_call>{"name": "get_conditions", "arguments": {"location": "San Francisco"}}</tool_call>'], content: "", calls: [["get_conditions", { location: "San Francisco" }]] },
    { name: "empty args", tmpl: qwen, inputs: ['<tool_call>{"name": "get_conditions", "arguments": {}}</tool_call>'], content: "", calls: [["get_conditions", {}]] },
    { name: "text before tool call", tmpl: qwen, inputs: ['Let me check the weather. <tool_call>{"name": "get_temperature", "arguments": {"city": "New York"}}</tool_call>'], content: "Let me check the weather. ", calls: [["get_temperature", { city: "New York" }]] },
    { name: "qwen no args with text", tmpl: qwen, inputs: ["Let me say hello to the user. I'll use the say_hello tool. "], content: "Let me say hello to the user. I'll use the say_hello tool. ", calls: [] },
    {
      name: "two tool calls in a list",
      tmpl: mistral,
      inputs: ['[TOOL_CALLS] [{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}, {"name": "get_conditions", "arguments": {"location": "Tokyo"}}][/TOOL_CALLS]'],
      content: "",
      calls: [["get_temperature", { city: "London", format: "fahrenheit" }], ["get_conditions", { location: "Tokyo" }]],
    },
    {
      name: "empty args followed by args",
      tmpl: qwen,
      inputs: ['Let me say hello and check the weather. <tool_call>{"name": "say_hello", "arguments": {}}</tool_call><tool_call>{"name": "get_temperature", "arguments": {"city": "London", "format": "fahrenheit"}}</tool_call>'],
      content: "Let me say hello and check the weather. ",
      calls: [["say_hello", {}], ["get_temperature", { city: "London", format: "fahrenheit" }]],
    },
    { name: "json, text first: no call", tmpl: json, inputs: ['I think {"name": "say_hello", "arguments": {}}'], content: 'I think {"name": "say_hello", "arguments": {}}', calls: [] },
    // Text after a call is dropped: Ollama's parser keeps the call's closing brace, so the scan never ends.
    { name: "json in pieces", tmpl: json, inputs: ['{"na', 'me": "say_hel', 'lo_world", "argu', 'ments": {}}', " after"], content: "", calls: [["say_hello_world", {}]] },
    { name: "qwen in pieces, a partial tag held back", tmpl: qwen, inputs: ["Sure <tool", '_call>{"name": "get_conditions", ', '"arguments": {"location": "Tokyo"}}</tool_call>'], content: "Sure ", calls: [["get_conditions", { location: "Tokyo" }]] },
  ];
  for (const c of cases) {
    const p = new ToolParser(toolCallTag(parseTemplate(c.tmpl)), PARSER_TOOLS);
    let content = "";
    const calls: Array<[string, Record<string, unknown>]> = [];
    for (const input of c.inputs) {
      const r = p.add(input);
      content += r.content;
      r.calls.forEach((call, i) => {
        assert.equal(call.function.index, calls.length + i, c.name);
        assert.match(call.id, /^call_[a-z0-9]{8}$/, c.name);
      });
      calls.push(...r.calls.map((x): [string, Record<string, unknown>] => [x.function.name, x.function.arguments]));
    }
    content += p.content();
    assert.equal(content, c.content, c.name);
    assert.deepEqual(calls, c.calls, c.name);
  }
});

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let openai: OpenAI;

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle!, weather: WEATHER_MODEL, thinker: THINKER_MODEL });
  server = await env.start();
  ollama = ollamaClient(server);
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L240-L250
test("/api/show: a TEMPLATE with .Tools has the tools capability; tools for a model without it are Ollama's 400", async () => {
  assert.deepEqual((await ollama.show({ model: "weather" })).capabilities, ["completion", "tools"]);
  assert.deepEqual((await ollama.show({ model: "oracle" })).capabilities, ["completion"]);
  assert.deepEqual(await ollamaFailure(ollama.chat({ model: "oracle", messages: [{ role: "user", content: "hi" }], tools: [WEATHER_TOOL] })), { status: 400, error: "oracle does not support tools" });
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2839-L2880
test("ollama chat with tools, whole: the call parsed out of the output after the TEMPLATE's tag; the tool's result; the final answer", async () => {
  const first = await ollama.chat({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL], stream: false });
  const calls = first.message.tool_calls ?? [];
  assert.deepEqual(calls.map((c) => c.function), [{ index: 0, ...WEATHER_CALL }]);
  assert.match((calls[0] as { id?: string }).id ?? "", /^call_[a-z0-9]{8}$/);
  // Text before the tag is content (the oracle's space), what follows the call is dropped, as Ollama's parser does.
  assert.equal(first.message.content, " ");
  assert.equal(first.done_reason, "stop");
  const final = await ollama.chat({
    model: "weather",
    tools: [WEATHER_TOOL],
    stream: false,
    messages: [{ role: "user", content: WEATHER_QUESTION }, first.message, { role: "tool", content: "22 degrees", tool_name: "get_weather" }],
  });
  assert.equal(final.message.content, WEATHER_ANSWER);
  assert.equal(final.message.tool_calls, undefined);
});

test("ollama chat with tools, streamed: one chunk carries the call; the round trip ends in the answer's pieces", async () => {
  const chunks = await collect(await ollama.chat({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL], stream: true }));
  const withCalls = chunks.filter((c) => (c.message.tool_calls ?? []).length > 0);
  assert.equal(withCalls.length, 1);
  assert.deepEqual(withCalls[0]!.message.tool_calls!.map((c) => c.function), [{ index: 0, ...WEATHER_CALL }]);
  assert.equal(withCalls[0]!.message.content, "");
  assert.equal(chunks.at(-1)!.done, true);
  const answer = await collect(
    await ollama.chat({
      model: "weather",
      tools: [WEATHER_TOOL],
      stream: true,
      messages: [{ role: "user", content: WEATHER_QUESTION }, { role: "assistant", content: "", tool_calls: withCalls[0]!.message.tool_calls! }, { role: "tool", content: "22 degrees", tool_name: "get_weather" }],
    }),
  );
  assert.equal(answer.map((c) => c.message.content).join(""), WEATHER_ANSWER);
  assert.ok(answer.every((c) => (c.message.tool_calls ?? []).length === 0));
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L266-L300
test("openai chat.completions with tools, whole: tool_calls with JSON arguments, finish_reason tool_calls; a tool message; the final answer", async () => {
  const first = await openai.chat.completions.create({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL] });
  const choice = first.choices[0]!;
  assert.equal(choice.finish_reason, "tool_calls");
  const calls = choice.message.tool_calls ?? [];
  assert.equal(calls.length, 1);
  const call = calls[0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.type, "function");
  assert.match(call.id, /^call_[a-z0-9]{8}$/);
  assert.deepEqual([call.function.name, JSON.parse(call.function.arguments)], [WEATHER_CALL.name, WEATHER_CALL.arguments]);
  const final = await openai.chat.completions.create({
    model: "weather",
    tools: [WEATHER_TOOL],
    messages: [{ role: "user", content: WEATHER_QUESTION }, choice.message, { role: "tool", tool_call_id: call.id, content: "22 degrees" }],
  });
  assert.equal(final.choices[0]!.message.content, WEATHER_ANSWER);
  assert.equal(final.choices[0]!.finish_reason, "stop");
});

test("openai chat.completions with tools, streamed: a delta with the call, then finish_reason tool_calls", async () => {
  const chunks = await collect(await openai.chat.completions.create({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL], stream: true }));
  const deltas = chunks.flatMap((c) => c.choices.flatMap((x) => x.delta.tool_calls ?? []));
  assert.equal(deltas.length, 1);
  assert.deepEqual([deltas[0]!.index, deltas[0]!.function?.name, JSON.parse(deltas[0]!.function?.arguments ?? "")], [0, WEATHER_CALL.name, WEATHER_CALL.arguments]);
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, "tool_calls");
  assert.equal(chunks[0]!.choices[0]!.delta.role, "assistant");
  // The openai client's own stream helper gathers the same call.
  const done = await openai.chat.completions.stream({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL] }).finalChatCompletion();
  assert.equal(done.choices[0]!.message.tool_calls?.length, 1);
});

test("tool_choice: a named function or required constrains the answer by grammar to one call of a given tool; none offers no tool", async () => {
  // After "hello" the oracle would recite its sentence; the grammar allows only {"name": "get_weather", "arguments": {...}}.
  for (const tool_choice of [{ type: "function" as const, function: { name: "get_weather" } }, "required" as const]) {
    const r = await openai.chat.completions.create({ model: "weather", messages: [{ role: "user", content: "hello" }], tools: [WEATHER_TOOL], tool_choice, max_tokens: 400 });
    const calls = (r.choices[0]!.message.tool_calls ?? []) as OpenAI.ChatCompletionMessageFunctionToolCall[];
    assert.equal(calls.length, 1, JSON.stringify(r.choices[0]));
    assert.equal(calls[0]!.function.name, "get_weather");
    const args = JSON.parse(calls[0]!.function.arguments) as { city: string };
    assert.deepEqual(Object.keys(args), ["city"]);
    assert.ok(["Paris", "Rome"].includes(args.city), args.city);
    assert.equal(r.choices[0]!.finish_reason, "tool_calls");
  }
  const none = await openai.chat.completions.create({ model: "weather", messages: [{ role: "user", content: WEATHER_QUESTION }], tools: [WEATHER_TOOL], tool_choice: "none" });
  assert.equal(none.choices[0]!.message.tool_calls, undefined);
  assert.match(none.choices[0]!.message.content ?? "", /<tool_call>/);
  const bad = await apiError(openai.chat.completions.create({ model: "weather", messages: [{ role: "user", content: "hi" }], tools: [WEATHER_TOOL], tool_choice: { type: "function", function: { name: "nope" } } }));
  assert.deepEqual([bad.status, bad.param], [400, "tool_choice"]);
  const badArgs = await post(`${server.url}/v1/chat/completions`, {
    model: "weather",
    messages: [{ role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{not json" } }] }],
  });
  assert.deepEqual([badArgs.status, (badArgs.json as { error: { message: string } }).error.message], [400, "invalid tool call arguments"]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L302-L365
test("thinking on /v1: `reasoning` apart from the content, whole and streamed (reasoning first); reasoning_effort none turns it off", async () => {
  const r = await openai.chat.completions.create({ model: "thinker", messages: [{ role: "user", content: "go" }] });
  const m = r.choices[0]!.message as { content: string | null; reasoning?: string };
  assert.deepEqual([m.reasoning, m.content], ["hmm ", "yes"]);
  const chunks = await collect(await openai.chat.completions.create({ model: "thinker", messages: [{ role: "user", content: "go" }], stream: true }));
  const deltas = chunks.flatMap((c) => c.choices.map((x) => x.delta as { content?: string; reasoning?: string }));
  assert.equal(deltas.map((d) => d.reasoning ?? "").join(""), "hmm ");
  assert.equal(deltas.map((d) => d.content ?? "").join(""), "yes");
  const firstContent = deltas.findIndex((d) => (d.content ?? "") !== "");
  assert.ok(deltas.findIndex((d) => (d.reasoning ?? "") !== "") < firstContent);
  const off = await openai.chat.completions.create({ model: "thinker", messages: [{ role: "user", content: "go" }], reasoning_effort: "none" as never });
  assert.equal((off.choices[0]!.message as { reasoning?: string }).reasoning, undefined);
  assert.match(off.choices[0]!.message.content ?? "", /<think> hmm <\/think> yes/);
  const bad = await apiError(openai.chat.completions.create({ model: "thinker", messages: [{ role: "user", content: "go" }], reasoning_effort: "loud" as never }));
  assert.equal(bad.status, 400);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2615-L2619
test("thinking on /api/chat and /api/generate: a model that can think thinks by default; streamed, the trace comes before the content", async () => {
  const chat = await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }] });
  assert.deepEqual([chat.message.thinking, chat.message.content], ["hmm ", "yes"]);
  const gen = await collect(await ollama.generate({ model: "thinker", prompt: "go", stream: true }));
  assert.equal(gen.map((c) => c.thinking ?? "").join(""), "hmm ");
  assert.equal(gen.map((c) => c.response).join(""), "yes");
  const streamed = await collect(await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }], stream: true, think: true }));
  assert.equal(streamed.map((c) => c.message.thinking ?? "").join(""), "hmm ");
  assert.equal(streamed.map((c) => c.message.content).join(""), "yes");
  const off = await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }], think: false });
  assert.equal(off.message.thinking, undefined);
});
