import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { RunningServer } from "../../src/serve/index.js";
import { apiError, collect, isRecentDate, notAPerson, ollamaClient, openaiClient, oracleText, oracleTokens, PERSON_SCHEMA, post, request, serveEnv, type ServeEnv } from "./helpers.js";

let env: ServeEnv;
let server: RunningServer;
let openai: OpenAI;

before(async () => {
  env = await serveEnv();
  server = await env.start();
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

const user = (content: string) => [{ role: "user" as const, content }];

test("models.list: every stored model as {id, object: model, created, owned_by}", async () => {
  const page = await openai.models.list();
  const models = page.data;
  assert.deepEqual(models.map((m) => m.id).sort(), ["oracle-eos:latest", "oracle:latest", "random:latest"]);
  for (const m of models) {
    assert.deepEqual(Object.keys(m).sort(), ["created", "id", "object", "owned_by"]);
    assert.equal(m.object, "model");
    assert.equal(m.owned_by, "library");
    assert.ok(Number.isInteger(m.created) && isRecentDate(m.created * 1000), String(m.created));
  }
  const raw = await request(`${server.url}/v1/models`);
  assert.equal((raw.json as { object: string }).object, "list");
});

test("chat.completions, not streamed: the oracle's text, finish_reason length, usage", async () => {
  const r = await openai.chat.completions.create({ model: "oracle", messages: user("The quick brown") });
  assert.match(r.id, /^chatcmpl-./);
  assert.equal(r.object, "chat.completion");
  assert.ok(Number.isInteger(r.created) && isRecentDate(r.created * 1000), String(r.created));
  assert.equal(r.choices.length, 1);
  const c = r.choices[0]!;
  assert.deepEqual([c.index, c.message.role, c.message.content, c.finish_reason], [0, "assistant", " fox jumps over the lazy dog. The quick brown fox jumps", "length"]);
  assert.equal(c.message.content, oracleText("The quick brown"));
  const promptTokens = oracleTokens("The quick brown");
  assert.deepEqual(r.usage, { prompt_tokens: promptTokens, completion_tokens: 12, total_tokens: promptTokens + 12 });
});

test("chat.completions: a system message and history go through the chat template; EOS is finish_reason stop", async () => {
  const r = await openai.chat.completions.create({
    model: "oracle",
    messages: [{ role: "system", content: "The quick" }, { role: "user", content: " brown" }, { role: "assistant", content: " fox" }, { role: "user", content: "over the" }],
    max_tokens: 3,
  });
  assert.deepEqual([r.choices[0]!.message.content, r.choices[0]!.finish_reason], [" lazy dog.", "length"]);
  const eos = await openai.chat.completions.create({ model: "oracle-eos", messages: user("The lazy") });
  assert.deepEqual([eos.choices[0]!.message.content, eos.choices[0]!.finish_reason, eos.usage?.completion_tokens], [" dog.", "stop", 2]);
});

test("chat.completions, streamed: SSE chunks that join to the non-streamed text, a last chunk with finish_reason, then [DONE]", async () => {
  const stream = await openai.chat.completions.create({ model: "oracle", messages: user("jumps over"), stream: true });
  const chunks = await collect(stream);
  const whole = await openai.chat.completions.create({ model: "oracle", messages: user("jumps over") });
  assert.ok(chunks.length >= 12, String(chunks.length));
  const id = chunks[0]!.id;
  assert.match(id, /^chatcmpl-./);
  for (const ch of chunks) {
    assert.deepEqual([ch.object, ch.id, ch.choices.length, ch.choices[0]!.index], ["chat.completion.chunk", id, 1, 0]);
    assert.ok(Number.isInteger(ch.created));
    assert.ok(ch.usage === undefined || ch.usage === null, JSON.stringify(ch));
  }
  assert.equal(chunks[0]!.choices[0]!.delta.role, "assistant");
  assert.equal(chunks.map((ch) => ch.choices[0]!.delta.content ?? "").join(""), whole.choices[0]!.message.content);
  assert.equal(whole.choices[0]!.message.content, oracleText("jumps over"));
  assert.deepEqual(chunks.map((ch) => ch.choices[0]!.finish_reason), [...Array(chunks.length - 1).fill(null), "length"]);

  const raw = await post(`${server.url}/v1/chat/completions`, { model: "oracle", messages: user("jumps over"), stream: true, max_tokens: 2 });
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events = raw.text.split("\n\n").filter((e) => e !== "");
  assert.ok(events.every((e) => e.startsWith("data: ")), raw.text);
  assert.equal(events.at(-1), "data: [DONE]");
  const data = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)) as { choices: { delta: { content?: string }; finish_reason: string | null }[] });
  assert.equal(data.map((d) => d.choices[0]!.delta.content ?? "").join(""), oracleText("jumps over", 2));
  assert.equal(data.at(-1)!.choices[0]!.finish_reason, "length");
});

test("stream_options.include_usage adds a usage chunk with no choices", async () => {
  const chunks = await collect(await openai.chat.completions.create({ model: "oracle", messages: user("The lazy"), stream: true, stream_options: { include_usage: true }, max_tokens: 4 }));
  const last = chunks.at(-1)!;
  const promptTokens = oracleTokens("The lazy");
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, { prompt_tokens: promptTokens, completion_tokens: 4, total_tokens: promptTokens + 4 });
  const text = chunks.slice(0, -1);
  assert.equal(text.map((ch) => ch.choices[0]!.delta.content ?? "").join(""), oracleText("The lazy", 4));
  assert.equal(text.at(-1)!.choices[0]!.finish_reason, "length");
  assert.ok(text.every((ch) => ch.usage === undefined || ch.usage === null));
});

test("max_tokens, max_completion_tokens and stop map to num_predict and stop", async () => {
  const text = async (body: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming>) => {
    const r = await openai.chat.completions.create({ model: "oracle", messages: user("The quick brown"), ...body });
    return [r.choices[0]!.message.content, r.choices[0]!.finish_reason];
  };
  assert.deepEqual(await text({ max_tokens: 3 }), [" fox jumps over", "length"]);
  assert.deepEqual(await text({ max_completion_tokens: 2 }), [" fox jumps", "length"]);
  assert.deepEqual(await text({ stop: "lazy" }), [" fox jumps over the ", "stop"]);
  assert.deepEqual(await text({ stop: ["over", "lazy"] }), [" fox jumps ", "stop"]);
  const streamed = await collect(await openai.chat.completions.create({ model: "oracle", messages: user("The quick brown"), stop: ["lazy"], stream: true }));
  assert.equal(streamed.map((ch) => ch.choices[0]?.delta.content ?? "").join(""), " fox jumps over the ");
  assert.equal(streamed.at(-1)!.choices[0]!.finish_reason, "stop");
});

test("temperature, top_p, seed, frequency_penalty and presence_penalty reach the sampler as Ollama's options", async () => {
  const messages = user("tell me");
  const ollama = ollamaClient(server);
  const sampled = { temperature: 1.5, top_p: 0.9, seed: 7, frequency_penalty: 0.5, presence_penalty: 0.3 };
  const viaOpenai = async (o: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming>) =>
    (await openai.chat.completions.create({ model: "random", messages, max_tokens: 24, ...o })).choices[0]!.message.content;
  const viaOllama = async (options: Record<string, number>) => (await ollama.chat({ model: "random", messages, options: { num_predict: 24, ...options } })).message.content;
  const a = await viaOpenai(sampled);
  assert.equal(a, await viaOpenai(sampled), "the same seed gives the same text");
  assert.equal(a, await viaOllama(sampled), "the same options through Ollama's API give the same text");
  const greedy = await viaOpenai({ temperature: 0 });
  assert.equal(greedy, await viaOllama({ temperature: 0 }));
  assert.notEqual(a, greedy, "temperature 1.5 is not greedy");
  const seeds = new Set([a, await viaOpenai({ ...sampled, seed: 8 }), await viaOpenai({ ...sampled, seed: 9 })]);
  assert.ok(seeds.size > 1, "the seed matters");
});

test("every answer names the model as the request did (Ollama's compat layer echoes it): \"oracle\" stays \"oracle\"", async () => {
  const names = async (model: string) => [
    (await openai.chat.completions.create({ model, messages: user("The lazy"), max_tokens: 2 })).model,
    ...(await collect(await openai.chat.completions.create({ model, messages: user("The lazy"), max_tokens: 2, stream: true }))).map((ch) => ch.model),
    (await openai.completions.create({ model, prompt: "The lazy", max_tokens: 2 })).model,
  ];
  const latest = await names("oracle:latest");
  assert.ok(latest.length >= 4, String(latest.length));
  assert.deepEqual(latest, Array(latest.length).fill("oracle:latest"));
  const short = await names("oracle");
  assert.deepEqual(short, Array(short.length).fill("oracle"));
});

test("four concurrent streamed chats each get their own text", async () => {
  const prompts = ["The quick brown", "jumps over", "The lazy", "dog."];
  const texts = await Promise.all(
    prompts.map(async (p) => (await collect(await openai.chat.completions.create({ model: "oracle", messages: user(p), stream: true, max_tokens: 6 }))).map((ch) => ch.choices[0]?.delta.content ?? "").join("")),
  );
  assert.deepEqual(texts, prompts.map((p) => oracleText(p, 6)));
});

test("response_format json_object and json_schema constrain a random model's output: it parses", async () => {
  for (const seed of [1, 2]) {
    const r = await openai.chat.completions.create({ model: "random", messages: user(`item ${seed}`), response_format: { type: "json_object" }, seed, temperature: 0.8 });
    const content = r.choices[0]!.message.content!;
    assert.equal(r.choices[0]!.finish_reason, "stop", content);
    const value: unknown = JSON.parse(content);
    assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), content);
  }
  const r = await openai.chat.completions.create({
    model: "random",
    messages: user("who?"),
    response_format: { type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA as unknown as Record<string, unknown> } },
    seed: 4,
    temperature: 0.8,
    max_tokens: 300,
  });
  const content = r.choices[0]!.message.content!;
  assert.equal(r.choices[0]!.finish_reason, "stop", content);
  assert.equal(notAPerson(JSON.parse(content)), undefined, content);
});

test("completions: text_completion with the oracle's text, logprobs null, usage; streamed pieces join to it", async () => {
  const r = await openai.completions.create({ model: "oracle", prompt: "The quick brown", max_tokens: 5 });
  assert.match(r.id, /^cmpl-./);
  assert.equal(r.object, "text_completion");
  assert.ok(Number.isInteger(r.created) && isRecentDate(r.created * 1000));
  assert.deepEqual(r.choices, [{ index: 0, text: " fox jumps over the lazy", finish_reason: "length", logprobs: null }]);
  const promptTokens = oracleTokens("The quick brown");
  assert.deepEqual(r.usage, { prompt_tokens: promptTokens, completion_tokens: 5, total_tokens: promptTokens + 5 });
  const stop = await openai.completions.create({ model: "oracle", prompt: "The quick brown", stop: ["lazy"] });
  assert.deepEqual([stop.choices[0]!.text, stop.choices[0]!.finish_reason], [" fox jumps over the ", "stop"]);
  const streamed = await collect(await openai.completions.create({ model: "oracle", prompt: "The quick brown", max_tokens: 5, stream: true }));
  assert.equal(streamed.map((ch) => ch.choices[0]?.text ?? "").join(""), " fox jumps over the lazy");
  assert.equal(streamed.filter((ch) => ch.choices[0]?.finish_reason).map((ch) => ch.choices[0]!.finish_reason).join(), "length");
});

test("errors: unknown model NotFoundError (404); bad requests BadRequestError (400); OpenAI's error shape", async () => {
  const missing = await apiError(openai.chat.completions.create({ model: "no-such-model", messages: user("hi") }));
  assert.ok(missing instanceof OpenAI.NotFoundError, String(missing));
  assert.equal(missing.status, 404);
  const body = missing.error as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ["code", "message", "param", "type"]);
  assert.match(String(body.message), /not found/);
  assert.ok(["invalid_request_error", "not_found_error"].includes(String(body.type)), String(body.type));
  assert.equal(body.param, null);
  // Ollama sends code null; OpenAI's own API "model_not_found".
  assert.ok(body.code === null || body.code === "model_not_found", String(body.code));
  assert.ok((await apiError(openai.completions.create({ model: "no-such-model", prompt: "hi" }))) instanceof OpenAI.NotFoundError);
  const streamMissing = await apiError(openai.chat.completions.create({ model: "no-such-model", messages: user("hi"), stream: true }));
  assert.ok(streamMissing instanceof OpenAI.NotFoundError);

  const badRequest = async (path: string, payload: unknown) => {
    const r = await post(`${server.url}${path}`, payload);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(payload)}: ${r.text}`);
    const err = (r.json as { error: Record<string, unknown> }).error;
    assert.deepEqual([err.type, err.param, err.code, typeof err.message], ["invalid_request_error", null, null, "string"], r.text);
  };
  await badRequest("/v1/chat/completions", "{not json");
  await badRequest("/v1/completions", "{not json");
  await badRequest("/v1/chat/completions", { model: "oracle", messages: "hi" });
  await badRequest("/v1/chat/completions", { model: "oracle", messages: user("hi"), max_tokens: "many" });
  await badRequest("/v1/completions", { model: "oracle", prompt: 7 });
  const viaClient = await apiError(openai.chat.completions.create({ model: "oracle", messages: user("hi"), temperature: "hot" as unknown as number }));
  assert.ok(viaClient instanceof OpenAI.BadRequestError, String(viaClient));
});

test("aborting a streamed completion frees its sequence: with one sequence, the next request still answers", { timeout: 60_000 }, async () => {
  const one = await env.start({ parallel: 1 });
  const client = openaiClient(one);
  // The client's way to stop reading: leave the loop (it aborts the request), or abort its controller; neither throws.
  const stream = await client.chat.completions.create({ model: "oracle", messages: user("The quick brown"), stream: true, max_tokens: 100_000 });
  const got: string[] = [];
  for await (const ch of stream) {
    const piece = ch.choices[0]?.delta.content ?? "";
    if (piece !== "") got.push(piece);
    if (got.length === 3) break;
  }
  assert.equal(got.join(""), oracleText("The quick brown", 3));
  const controller = new AbortController();
  const second = await client.completions.create({ model: "oracle", prompt: "dog.", stream: true, max_tokens: 100_000 }, { signal: controller.signal });
  let pieces = 0;
  for await (const ch of second) if (ch.choices[0]?.text && ++pieces === 2) controller.abort();
  assert.ok(pieces >= 2, String(pieces));
  const next = await client.chat.completions.create({ model: "oracle", messages: user("The lazy"), max_tokens: 4 });
  assert.deepEqual([next.choices[0]!.message.content, next.choices[0]!.finish_reason], [oracleText("The lazy", 4), "length"]);
  await one.close();
});

test("apiKey: AuthenticationError (401) with a wrong key; the right key works", async () => {
  const locked = await env.start({ apiKey: "k2" });
  const wrong = await apiError(openaiClient(locked, "nope").models.list());
  assert.ok(wrong instanceof OpenAI.AuthenticationError, String(wrong));
  assert.equal(wrong.status, 401);
  const wrongChat = await apiError(openaiClient(locked, "nope").chat.completions.create({ model: "oracle", messages: user("hi") }));
  assert.ok(wrongChat instanceof OpenAI.AuthenticationError);
  const noHeader = await post(`${locked.url}/v1/chat/completions`, { model: "oracle", messages: user("hi") });
  assert.equal(noHeader.status, 401);
  const err = (noHeader.json as { error: Record<string, unknown> }).error;
  assert.equal(typeof err.message, "string");
  const right = openaiClient(locked, "k2");
  assert.deepEqual((await right.models.list()).data.map((m) => m.id).sort(), ["oracle-eos:latest", "oracle:latest", "random:latest"]);
  const r = await right.chat.completions.create({ model: "oracle", messages: user("The quick brown"), max_tokens: 2 });
  assert.equal(r.choices[0]!.message.content, " fox jumps");
  await locked.close();
});
