import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { generateObject, generateText, stepCountIs, streamText } from "ai";
import { createOllama } from "ollama-ai-provider-v2";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { RunningServer } from "../../src/serve/index.js";
import {
  notAPerson, ollamaClient, openaiClient, oracleText, serveEnv, TEST_MODELS, THINKER_MODEL, WEATHER_ANSWER, WEATHER_CALL, WEATHER_MODEL, WEATHER_QUESTION, type ServeEnv,
} from "./helpers.js";
import { aiSdkProviders, PERSON, weatherTools, type AiSdkProvider } from "./ai-sdk-providers.js";

/**
 * The Vercel AI SDK (`ai`) against `serve` through both of its providers a
 * local-model user picks: `ollama-ai-provider-v2` (Ollama's /api) and
 * `@ai-sdk/openai-compatible` (/v1): generate, chat, streaming, a tool round
 * trip the SDK drives itself, thinking, and structured output from a zod
 * schema (also through the `ollama` and `openai` clients).
 */

let env: ServeEnv;
let server: RunningServer;
let providers: AiSdkProvider[];

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle!, random: TEST_MODELS.random!, weather: WEATHER_MODEL, thinker: THINKER_MODEL });
  server = await env.start();
  providers = aiSdkProviders(server.url);
});
after(() => env?.cleanup(), { timeout: 30_000 });

test("AI SDK generateText and streamText: the oracle's text through either provider; the Ollama provider's completion model (/api/generate)", async () => {
  for (const p of providers) {
    const r = await generateText({ model: p.model("oracle"), prompt: "The quick brown", maxRetries: 0 });
    assert.equal(r.text, oracleText("The quick brown"), p.name);
    assert.equal(r.finishReason, "length", p.name);
    const chat = await generateText({ model: p.model("oracle"), messages: [{ role: "user", content: "jumps over" }], maxRetries: 0 });
    assert.equal(chat.text, oracleText("jumps over"), p.name);
    const s = streamText({ model: p.model("oracle"), prompt: "The lazy", maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of s.textStream) pieces.push(piece);
    assert.ok(pieces.length > 1, p.name);
    assert.equal(pieces.join(""), oracleText("The lazy"), p.name);
  }
  // The provider's completion model writes the prompt as "user:\n<text>\n\nassistant:\n" (its convertToOllamaCompletionPrompt).
  const completion = await generateText({ model: createOllama({ baseURL: `${server.url}/api` }).completion("oracle"), prompt: "The quick brown", maxRetries: 0 });
  assert.equal(completion.text, oracleText("user:\nThe quick brown\n\nassistant:\n"));
});

test("AI SDK tool round trip: the model calls get_weather, the SDK runs it and sends its result, the model answers (both providers)", async () => {
  for (const p of providers) {
    const ran: unknown[] = [];
    const r = await generateText({
      model: p.model("weather"),
      prompt: WEATHER_QUESTION,
      tools: weatherTools(ran),
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.deepEqual(ran, [WEATHER_CALL.arguments], p.name);
    assert.equal(r.steps.length, 2, p.name);
    // Ollama answers done_reason "stop" beside tool calls, and the Ollama provider reports that; /v1 says tool_calls.
    assert.equal(r.steps[0]!.finishReason, p.name === "ollama-ai-provider-v2" ? "stop" : "tool-calls", p.name);
    assert.deepEqual(r.steps[0]!.toolCalls.map((c) => [c.toolName, c.input]), [[WEATHER_CALL.name, WEATHER_CALL.arguments]], p.name);
    assert.equal(r.text, WEATHER_ANSWER, p.name);
  }
});

test("AI SDK thinking: reasoningText apart from the text (both providers)", async () => {
  for (const p of providers) {
    const r = await generateText({ model: p.model("thinker"), prompt: "go", providerOptions: p.think, maxRetries: 0 });
    assert.deepEqual([r.reasoningText, r.text], ["hmm ", "yes"], p.name);
  }
});

test("structured output from a zod schema: AI SDK generateObject (both providers), the ollama client's format, the openai client's zodResponseFormat", async () => {
  for (const p of providers) {
    const r = await generateObject({ model: p.model("random"), schema: PERSON, prompt: "a person", maxRetries: 0 });
    assert.equal(notAPerson(r.object), undefined, `${p.name}: ${JSON.stringify(r.object)}`);
  }
  const viaOllama = await ollamaClient(server).chat({ model: "random", messages: [{ role: "user", content: "a person" }], format: z.toJSONSchema(PERSON) });
  assert.equal(notAPerson(PERSON.parse(JSON.parse(viaOllama.message.content))), undefined);
  const viaOpenAi = await openaiClient(server).chat.completions.parse({ model: "random", messages: [{ role: "user", content: "a person" }], response_format: zodResponseFormat(PERSON, "person") });
  assert.equal(notAPerson(viaOpenAi.choices[0]!.message.parsed), undefined);
});
