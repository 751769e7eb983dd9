import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { stepCountIs, streamObject, streamText, tool, type LanguageModel } from "ai";
import type { Ollama } from "ollama";
import { createOllama } from "ollama-ai-provider-v2";
import type OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { RunningServer } from "../../src/serve/index.js";
import {
  collect, notAPerson, ollamaClient, openaiClient, serveEnv, TEST_MODELS, THINKER_MODEL, WEATHER_ANSWER, WEATHER_CALL, WEATHER_MODEL, WEATHER_QUESTION, WEATHER_TOOL,
  type ServeEnv,
} from "./helpers.js";

/**
 * The cells of issue 10's client matrix (docs/decisions.md, "Client matrix
 * (issue 10)") the other serve tests left empty, each through the pinned
 * official client against one real `serve` (runners, real llama.cpp):
 * the AI SDK's streamed tool loop, streamObject and streamed reasoning
 * through both providers; the openai client's Responses structured output
 * (`responses.parse` with a zod text format), its streamed structured chat,
 * its client-driven tool loop (`runTools`); Anthropic's `system` as blocks
 * and `count_tokens` (which Ollama does not serve); the ollama client's
 * streamed structured output.
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let openai: OpenAI;
let anthropic: Anthropic;
let providers: Array<{ name: string; model: (id: string) => LanguageModel; think: Record<string, Record<string, boolean>> }>;

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle!, random: TEST_MODELS.random!, weather: WEATHER_MODEL, thinker: THINKER_MODEL });
  server = await env.start();
  ollama = ollamaClient(server);
  openai = openaiClient(server);
  anthropic = new Anthropic({ baseURL: server.url, apiKey: "k", maxRetries: 0 });
  const viaOllama = createOllama({ baseURL: `${server.url}/api` });
  const compatible = createOpenAICompatible({ name: "modelsmith", baseURL: `${server.url}/v1`, apiKey: "k", supportsStructuredOutputs: true });
  providers = [
    { name: "ollama-ai-provider-v2", model: (id) => viaOllama(id), think: { ollama: { think: true } } },
    { name: "@ai-sdk/openai-compatible", model: (id) => compatible.chatModel(id), think: {} },
  ];
});
after(() => env?.cleanup(), { timeout: 30_000 });

const PERSON = z.object({ name: z.enum(["ann", "bob", "cy"]), ok: z.boolean(), kind: z.literal("person") });

test("AI SDK streamText with tools (stopWhen, two steps): the call streamed, the SDK runs the tool, the answer streamed (both providers)", async () => {
  for (const p of providers) {
    const ran: unknown[] = [];
    const s = streamText({
      model: p.model("weather"),
      prompt: WEATHER_QUESTION,
      tools: {
        get_weather: tool({
          description: WEATHER_TOOL.function.description,
          inputSchema: z.object({ city: z.string() }),
          execute: async (input) => {
            ran.push(input);
            return "22 degrees";
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: string[] = [];
    const texts: string[][] = [];
    for await (const part of s.fullStream) {
      if (part.type === "error") throw part.error;
      parts.push(part.type);
      if (part.type === "start-step") texts.push([]);
      if (part.type === "text-delta") texts.at(-1)!.push(part.text);
    }
    assert.deepEqual(ran, [WEATHER_CALL.arguments], p.name);
    // One step with the call and its result, one with the answer.
    assert.equal(texts.length, 2, `${p.name}: ${parts.join(" ")}`);
    const [call, result, stepTwo] = [parts.indexOf("tool-call"), parts.indexOf("tool-result"), parts.lastIndexOf("start-step")];
    assert.ok(call > 0 && call < result && result < stepTwo, `${p.name}: ${parts.join(" ")}`);
    // The first step's text is the " " before `<tool_call>`: Ollama's tools.Parser.Add sends what precedes the tag as content too
    // (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/tools/tools.go#L62-L69).
    assert.deepEqual(texts.map((t) => t.join("")), [" ", WEATHER_ANSWER], p.name);
    assert.ok(texts[1]!.length > 1, p.name);
    const steps = await s.steps;
    assert.deepEqual(steps[0]!.toolCalls.map((c) => [c.toolName, c.input]), [[WEATHER_CALL.name, WEATHER_CALL.arguments]], p.name);
    assert.equal(await s.text, WEATHER_ANSWER, p.name);
  }
});

test("AI SDK streamText with the thinking model: reasoning-delta parts before the text (both providers)", async () => {
  for (const p of providers) {
    const s = streamText({ model: p.model("thinker"), prompt: "go", providerOptions: p.think, maxRetries: 0 });
    const order: string[] = [];
    const reasoning: string[] = [];
    const text: string[] = [];
    for await (const part of s.fullStream) {
      if (part.type === "error") throw part.error;
      if (part.type === "reasoning-delta") {
        reasoning.push(part.text);
        order.push("r");
      } else if (part.type === "text-delta") {
        text.push(part.text);
        order.push("t");
      }
    }
    assert.deepEqual([reasoning.join(""), text.join("")], ["hmm ", "yes"], p.name);
    assert.ok(order.lastIndexOf("r") < order.indexOf("t"), `${p.name}: ${order.join("")}`);
    assert.equal(await s.reasoningText, "hmm ", p.name);
  }
});

test("AI SDK streamObject from a zod schema: partial objects, the final one valid (both providers)", async () => {
  for (const p of providers) {
    const s = streamObject({ model: p.model("random"), schema: PERSON, prompt: "a person", maxRetries: 0 });
    const partials = await collect(s.partialObjectStream);
    assert.ok(partials.length >= 1, p.name);
    const object = await s.object;
    assert.equal(notAPerson(object), undefined, `${p.name}: ${JSON.stringify(object)}`);
    assert.deepEqual(partials.at(-1), object, p.name);
  }
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go#L602-L611
test("openai responses.parse with zodTextFormat: text.format json_schema constrains the output, echoed in the response's text.format; streamed too", async () => {
  const r = await openai.responses.parse({ model: "random", input: "a person", text: { format: zodTextFormat(PERSON, "person") } });
  assert.equal(notAPerson(r.output_parsed), undefined, JSON.stringify(r.output_parsed));
  assert.equal(r.text?.format?.type, "json_schema");
  const stream = openai.responses.stream({ model: "random", input: "a person", text: { format: zodTextFormat(PERSON, "person") } });
  const final = await stream.finalResponse();
  assert.equal(notAPerson(final.output_parsed), undefined, JSON.stringify(final.output_parsed));
});

test("openai chat.completions.stream with zodResponseFormat: the streamed answer parses to the schema", async () => {
  const stream = openai.chat.completions.stream({ model: "random", messages: [{ role: "user", content: "a person" }], response_format: zodResponseFormat(PERSON, "person") });
  const final = await stream.finalChatCompletion();
  assert.equal(notAPerson(final.choices[0]!.message.parsed), undefined, JSON.stringify(final.choices[0]!.message.parsed));
});

test("openai chat.completions.runTools: the client runs get_weather on the model's call, sends the tool message, gets the final answer", async () => {
  const ran: unknown[] = [];
  const runner = openai.chat.completions.runTools({
    model: "weather",
    messages: [{ role: "user", content: WEATHER_QUESTION }],
    tools: [
      {
        type: "function",
        function: {
          name: WEATHER_TOOL.function.name,
          description: WEATHER_TOOL.function.description,
          parameters: WEATHER_TOOL.function.parameters,
          parse: JSON.parse,
          function: (args: unknown) => {
            ran.push(args);
            return "22 degrees";
          },
        },
      },
    ],
  });
  assert.equal(await runner.finalContent(), WEATHER_ANSWER);
  assert.deepEqual(ran, [WEATHER_CALL.arguments]);
  const roles = runner.messages.map((m) => m.role);
  assert.deepEqual(roles, ["user", "assistant", "tool", "assistant"]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go#L302-L323
test("anthropic messages: `system` as an array of text blocks is their texts joined, as a string would be", async () => {
  const ask = (system?: Anthropic.MessageCreateParams["system"]) =>
    anthropic.messages.create({ model: "oracle", max_tokens: 1, ...(system === undefined ? {} : { system }), messages: [{ role: "user", content: "jumps" }] });
  const blocks = await ask([{ type: "text", text: "The quick " }, { type: "text", text: "brown fox." }]);
  const joined = await ask("The quick brown fox.");
  const none = await ask();
  assert.equal(blocks.usage.input_tokens, joined.usage.input_tokens);
  assert.ok(blocks.usage.input_tokens > none.usage.input_tokens, `${blocks.usage.input_tokens} vs ${none.usage.input_tokens}`);
  assert.deepEqual(blocks.content, joined.content);
});

// Ollama routes only POST /v1/messages of Anthropic's API, no count_tokens:
// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1926
test("anthropic messages.countTokens: a 404 (NotFoundError), as Ollama, which does not route count_tokens", async () => {
  await assert.rejects(anthropic.messages.countTokens({ model: "oracle", messages: [{ role: "user", content: "hi" }] }), (err: unknown) => {
    assert.ok(err instanceof Anthropic.NotFoundError, String(err));
    return true;
  });
});

test("ollama chat streamed with a zod schema's format: the pieces join to JSON of the schema", async () => {
  const chunks = await collect(await ollama.chat({ model: "random", messages: [{ role: "user", content: "a person" }], format: z.toJSONSchema(PERSON), stream: true }));
  assert.ok(chunks.length > 1);
  assert.equal(notAPerson(PERSON.parse(JSON.parse(chunks.map((c) => c.message.content).join("")))), undefined);
  assert.equal(chunks.at(-1)!.done, true);
});
