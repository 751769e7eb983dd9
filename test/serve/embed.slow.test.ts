import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { embed, embedMany } from "ai";
import type { Ollama } from "ollama";
import { createOllama } from "ollama-ai-provider-v2";
import type OpenAI from "openai";
import type { RunningServer } from "../../src/serve/index.js";
import { oracleContinuation } from "../../src/testmodels/index.js";
import { apiError, CYCLING_SPEC, ollamaClient, ollamaFailure, openaiClient, post, serveEnv, TEST_MODELS, type ServeEnv } from "./helpers.js";

/**
 * Embeddings through node-llama-cpp's embedding context, answered as Ollama
 * answers /api/embed, /api/embeddings and /v1/embeddings, through the
 * official clients. The oracle's hidden state is one-hot (token t is e_t,
 * every layer adds 0, the final norm scales it to sqrt(n_embd)), and a llama
 * has no pooling, so llama.cpp's embedding is the last token's: normalized,
 * exactly the unit vector of the input's last token.
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;
let openai: OpenAI;

before(async () => {
  env = await serveEnv({ oracle: TEST_MODELS.oracle! });
  server = await env.start();
  ollama = ollamaClient(server);
  openai = openaiClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

/** The oracle's n_embd: its vocabulary rounded up to 256. */
const N_EMBD = 512;
/** The id of the last token of `text` as llama.cpp tokenizes it for the oracle. */
const lastToken = (text: string) => oracleContinuation(CYCLING_SPEC, text, 0).promptTokens.at(-1)!;
/** The unit vector of token `t`, `n` wide. */
const unit = (t: number, n = N_EMBD) => Array.from({ length: n }, (_, i) => (i === t ? 1 : 0));

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L983-L1022
test("ollama embed: one normalized vector per input, the model's fields and counts; dimensions cut and normalize again", async () => {
  const inputs = ["The quick brown", "over the lazy dog."];
  const r = await ollama.embed({ model: "oracle", input: inputs });
  assert.equal(r.model, "oracle");
  assert.deepEqual(r.embeddings, inputs.map((t) => unit(lastToken(t))));
  // BOS and the input's tokens, over both inputs.
  const tokens = inputs.reduce((n, t) => n + oracleContinuation(CYCLING_SPEC, t, 0).promptTokens.length, 0);
  assert.equal(r.prompt_eval_count, tokens);
  assert.ok(r.total_duration >= r.load_duration && r.load_duration > 0);
  const cut = await ollama.embed({ model: "oracle", input: "The quick brown", dimensions: lastToken("The quick brown") + 1 });
  assert.deepEqual(cut.embeddings, [unit(lastToken("The quick brown"), lastToken("The quick brown") + 1)]);
  // An empty input loads the model and embeds nothing.
  const none = await post(`${server.url}/api/embed`, { model: "oracle", input: "" });
  assert.deepEqual(none.json, { model: "oracle", embeddings: [] });
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L901-L928
test("ollama embed: longer than num_ctx is cut to fit (the start kept), or with truncate false Ollama's 400", async () => {
  const long = "dog. ".repeat(400).trim();
  const cut = await ollama.embed({ model: "oracle", input: long });
  // num_ctx 512 less BOS: 511 tokens of "▁dog" "." pairs, the last a "▁dog"; 512 evaluated with BOS.
  assert.deepEqual(cut.embeddings, [unit(lastToken("dog"))]);
  assert.notEqual(lastToken("dog"), lastToken(long));
  assert.equal(cut.prompt_eval_count, 512);
  const refused = await ollamaFailure(ollama.embed({ model: "oracle", input: long, truncate: false }));
  assert.equal(refused.status, 400);
  assert.match(refused.error, /^MS8710: the input length exceeds the context length/);
  const bad = await post(`${server.url}/api/embed`, { model: "oracle", input: [1, 2] });
  assert.deepEqual([bad.status, bad.json], [400, { error: "invalid input type" }]);
  assert.equal((await ollamaFailure(ollama.embed({ model: "nope", input: "x" }))).status, 404);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L889-L897
test("ollama embed: options.num_ctx is the limit inputs are cut to; with truncate false an input over it is Ollama's 400", async () => {
  const long = "dog. ".repeat(100).trim();
  // num_ctx 64 less BOS: 63 tokens of "▁dog" "." pairs, the last a "▁dog"; 64 evaluated with BOS.
  const cut = await ollama.embed({ model: "oracle", input: long, options: { num_ctx: 64 } });
  assert.deepEqual(cut.embeddings, [unit(lastToken("dog"))]);
  assert.equal(cut.prompt_eval_count, 64);
  // 62 tokens less BOS: ends on ".", and under the model's own 512 the whole input would be 201 tokens.
  const even = await ollama.embed({ model: "oracle", input: long, options: { num_ctx: 63 } });
  assert.equal(even.prompt_eval_count, 63);
  assert.deepEqual(even.embeddings, [unit(lastToken("dog."))]);
  const whole = await ollama.embed({ model: "oracle", input: long });
  assert.equal(whole.prompt_eval_count, oracleContinuation(CYCLING_SPEC, long, 0).promptTokens.length);
  const refused = await ollamaFailure(ollama.embed({ model: "oracle", input: long, truncate: false, options: { num_ctx: 64 } }));
  assert.equal(refused.status, 400);
  assert.match(refused.error, /the input length exceeds the context length/);
  // Within num_ctx, truncate false embeds it as it is.
  const fits = await ollama.embed({ model: "oracle", input: "The quick brown", truncate: false, options: { num_ctx: 64 } });
  assert.deepEqual(fits.embeddings, [unit(lastToken("The quick brown"))]);
  // The legacy endpoint loads with the request's num_ctx too.
  const legacy = await ollama.embeddings({ model: "oracle", prompt: "The quick brown", options: { num_ctx: 64 } });
  assert.equal(legacy.embedding.length, N_EMBD);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1042-L1095
test("ollama embeddings (legacy): the model's vector as it is, not normalized", async () => {
  const r = await ollama.embeddings({ model: "oracle", prompt: "The quick brown" });
  const t = lastToken("The quick brown");
  assert.equal(r.embedding.length, N_EMBD);
  // The final RMS norm's output: sqrt(n_embd) at the last token, a little less for the norm's epsilon.
  assert.ok(r.embedding[t]! < Math.sqrt(N_EMBD) && r.embedding[t]! > 0.99 * Math.sqrt(N_EMBD), String(r.embedding[t]));
  assert.ok(r.embedding.every((v, i) => i === t || v === 0));
  assert.deepEqual((await post(`${server.url}/api/embeddings`, { model: "oracle", prompt: "" })).json, { embedding: [] });
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L472-L511
test("openai embeddings.create: base64 (the client's default) and float, index per input, usage; dimensions; bad encoding_format", async () => {
  const inputs = ["The quick brown", "jumps over"];
  for (const encoding_format of [undefined, "float" as const]) {
    const r = await openai.embeddings.create({ model: "oracle", input: inputs, ...(encoding_format ? { encoding_format } : {}) });
    assert.equal(r.object, "list");
    assert.equal(r.model, "oracle");
    assert.deepEqual(r.data.map((d) => [d.object, d.index]), [["embedding", 0], ["embedding", 1]]);
    assert.deepEqual(r.data.map((d) => d.embedding), inputs.map((t) => unit(lastToken(t))));
    const tokens = inputs.reduce((n, t) => n + oracleContinuation(CYCLING_SPEC, t, 0).promptTokens.length, 0);
    assert.deepEqual(r.usage, { prompt_tokens: tokens, total_tokens: tokens });
  }
  const raw = await post(`${server.url}/v1/embeddings`, { model: "oracle", input: "The quick brown", encoding_format: "base64" });
  const b64 = (raw.json as { data: { embedding: string }[] }).data[0]!.embedding;
  const bytes = Buffer.from(b64, "base64");
  assert.deepEqual([...new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))], unit(lastToken("The quick brown")));
  const dims = await openai.embeddings.create({ model: "oracle", input: "The quick brown", dimensions: 64, encoding_format: "float" });
  assert.equal(dims.data[0]!.embedding.length, 64);
  const bad = await apiError(openai.embeddings.create({ model: "oracle", input: "x", encoding_format: "int8" as never }));
  assert.deepEqual([bad.status, bad.message], [400, "400 Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64']."]);
  const empty = await apiError(openai.embeddings.create({ model: "oracle", input: [] }));
  assert.deepEqual([empty.status, empty.message], [400, "400 invalid input"]);
});

test("AI SDK embed/embedMany through ollama-ai-provider-v2 and @ai-sdk/openai-compatible", async () => {
  const viaOllama = createOllama({ baseURL: `${server.url}/api` }).textEmbeddingModel("oracle");
  const viaOpenAi = createOpenAICompatible({ name: "modelsmith", baseURL: `${server.url}/v1`, apiKey: "k" }).textEmbeddingModel("oracle");
  for (const model of [viaOllama, viaOpenAi]) {
    const one = await embed({ model, value: "The quick brown", maxRetries: 0 });
    assert.deepEqual(one.embedding, unit(lastToken("The quick brown")));
    const many = await embedMany({ model, values: ["The quick", "lazy dog."], maxRetries: 0 });
    assert.deepEqual(many.embeddings, [unit(lastToken("The quick")), unit(lastToken("lazy dog."))]);
  }
});
