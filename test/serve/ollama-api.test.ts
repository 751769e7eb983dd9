import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import type { Ollama } from "ollama";
import { ModelsmithError } from "../../src/diagnostics/index.js";
import { loadModelDetails, reconstructModelfile } from "../../src/inspect/index.js";
import type { RunningServer } from "../../src/serve/index.js";
import { oracleContinuation } from "../../src/testmodels/index.js";
import {
  EOS_SPEC, EOS_SYSTEM, EOS_TEMPLATE, collect, isRecentDate, notAPerson, ollamaClient, ollamaFailure, oracleText, oracleTokens, PERSON_SCHEMA, post, request, serveEnv, type ServeEnv,
} from "./helpers.js";

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;

before(async () => {
  env = await serveEnv();
  server = await env.start();
  ollama = ollamaClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

const hex = (digest: string) => digest.replace(/^sha256:/, "");
/** What storeModel's config blob says of every test model (llama, "1M", F32). */
const STORED_DETAILS = { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "1M", quantization_level: "F32" };
const TIMING_FIELDS = ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"] as const;

/** Every timing field a non-negative integer, and the durations adding up as Ollama's do. */
function assertTimings(r: Record<string, unknown>): void {
  for (const f of TIMING_FIELDS) assert.ok(Number.isInteger(r[f]) && (r[f] as number) >= 0, `${f}: ${String(r[f])}`);
  assert.ok((r.total_duration as number) >= (r.prompt_eval_duration as number) + (r.eval_duration as number), JSON.stringify(r));
}

test("GET / answers Ollama's liveness text (clients probe it); HEAD / too; /api/version a version", async () => {
  const root = await request(server.url);
  assert.deepEqual([root.status, root.text], [200, "Ollama is running"]);
  assert.match(root.headers.get("content-type") ?? "", /^text\/plain/);
  const head = await request(server.url, { method: "HEAD" });
  assert.deepEqual([head.status, head.text], [200, ""]);
  const v = await ollama.version();
  assert.deepEqual(Object.keys(v), ["version"]);
  assert.match(v.version, /^\d+\.\d+\.\d+/);
});

test("list (/api/tags): every stored model with Ollama's fields; the digest is the manifest's, in hex", async () => {
  const r = await ollama.list();
  const byName = new Map(r.models.map((m) => [m.name, m]));
  assert.deepEqual([...byName.keys()].sort(), ["oracle-eos:latest", "oracle:latest", "random:latest"]);
  for (const name of ["oracle", "oracle-eos", "random"]) {
    const m = byName.get(`${name}:latest`)!;
    const details = await loadModelDetails(env.store, name);
    assert.equal(m.model, `${name}:latest`);
    assert.equal(m.digest, hex(env.digests[name]!));
    assert.match(m.digest, /^[0-9a-f]{64}$/);
    assert.equal(m.size, details.size);
    assert.ok(isRecentDate(m.modified_at), String(m.modified_at));
    assert.deepEqual(m.details, STORED_DETAILS);
  }
  const raw = await request(`${server.url}/api/tags`);
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get("content-type") ?? "", /^application\/json/);
});

test("show: the Modelfile, parameters, template, system, details, model_info and capabilities", async () => {
  const s = await ollama.show({ model: "oracle-eos" });
  const details = await loadModelDetails(env.store, "oracle-eos");
  assert.equal(s.modelfile, reconstructModelfile(details, (d) => env.store.blobPath(d)));
  assert.match(s.modelfile, new RegExp(`^FROM ${env.store.blobPath(details.modelLayer!.digest).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
  assert.match(s.parameters, /^num_predict +40$/m);
  assert.match(s.parameters, /^temperature +0$/m);
  assert.match(s.parameters, /^num_ctx +512$/m);
  assert.equal(s.parameters.trim().split("\n").length, 3, s.parameters);
  assert.equal(s.template, EOS_TEMPLATE);
  assert.equal(s.system, EOS_SYSTEM);
  assert.deepEqual(s.details, STORED_DETAILS);
  assert.deepEqual(s.capabilities, ["completion"]);
  assert.ok(isRecentDate(s.modified_at), String(s.modified_at));
  const info = s.model_info as unknown as Record<string, unknown>;
  assert.equal(info["general.architecture"], "llama");
  assert.equal(info["llama.context_length"], 2048);
  // A model without SYSTEM has no `system`.
  const plain = await ollama.show({ model: "oracle" });
  assert.equal(plain.system, undefined);
  assert.match(plain.parameters, /^num_predict +12$/m);
});

test("generate, not streamed: the oracle's known text, done_reason length at num_predict, Ollama's counts and timings", async () => {
  const r = await ollama.generate({ model: "oracle", prompt: "The quick brown" });
  assert.equal(r.response, " fox jumps over the lazy dog. The quick brown fox jumps");
  assert.equal(r.response, oracleText("The quick brown"));
  assert.deepEqual([r.done, r.done_reason, r.eval_count, r.prompt_eval_count], [true, "length", 12, oracleTokens("The quick brown")]);
  assert.ok(isRecentDate(r.created_at), String(r.created_at));
  assertTimings(r as unknown as Record<string, unknown>);
});

test("generate, streamed (the default): one NDJSON line per token that join to the whole text, then a last line with the figures", async () => {
  const raw = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "The quick brown" });
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get("content-type") ?? "", /^application\/x-ndjson/);
  const lines = raw.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 13, raw.text);
  const parts = lines.slice(0, -1);
  const last = lines.at(-1)!;
  for (const p of parts) {
    assert.deepEqual(Object.keys(p).sort(), ["created_at", "done", "model", "response"]);
    assert.equal(p.done, false);
    assert.ok(isRecentDate(p.created_at));
  }
  assert.equal(parts.map((p) => p.response).join(""), oracleText("The quick brown"));
  assert.deepEqual([last.done, last.done_reason, last.response, last.eval_count, last.prompt_eval_count], [true, "length", "", 12, oracleTokens("The quick brown")]);
  assertTimings(last);

  // The client's stream gives the same pieces, and the same text as `stream: false`.
  const streamed = await collect(await ollama.generate({ model: "oracle", prompt: "jumps over", stream: true }));
  const whole = await ollama.generate({ model: "oracle", prompt: "jumps over" });
  assert.equal(streamed.map((p) => p.response).join(""), whole.response);
  assert.equal(whole.response, oracleText("jumps over"));
  assert.deepEqual(streamed.map((p) => p.done), [...Array(12).fill(false), true]);
});

test("generate: options override the PARAMETERs; a stop sequence ends with done_reason stop, streamed or not", async () => {
  const three = await ollama.generate({ model: "oracle", prompt: "The quick brown", options: { num_predict: 3 } });
  assert.deepEqual([three.response, three.done_reason, three.eval_count], [" fox jumps over", "length", 3]);
  const stop = await ollama.generate({ model: "oracle", prompt: "The quick brown", options: { stop: ["lazy"] } });
  assert.deepEqual([stop.response, stop.done_reason], [" fox jumps over the ", "stop"]);
  const streamed = await collect(await ollama.generate({ model: "oracle", prompt: "The quick brown", options: { stop: ["lazy"] }, stream: true }));
  assert.equal(streamed.map((p) => p.response).join(""), " fox jumps over the ");
  assert.equal(streamed.at(-1)!.done_reason, "stop");
});

test("generate: EOS ends with done_reason stop; TEMPLATE and SYSTEM apply, `system` replaces SYSTEM, raw skips both", async () => {
  const templated = `${EOS_SYSTEM}The quick brown`;
  const known = oracleContinuation(EOS_SPEC, templated, 40);
  assert.deepEqual([known.rawText, known.stopped], [" fox jumps over the lazy dog.", true]);
  const r = await ollama.generate({ model: "oracle-eos", prompt: "The quick brown" });
  assert.deepEqual([r.response, r.done_reason, r.eval_count, r.prompt_eval_count], [known.rawText, "stop", known.tokens.length, known.promptTokens.length]);

  const sys = await ollama.generate({ model: "oracle-eos", prompt: " over the", system: "The quick brown fox jumps" });
  const sysKnown = oracleContinuation(EOS_SPEC, "The quick brown fox jumps over the", 40);
  assert.deepEqual([sys.response, sys.prompt_eval_count], [sysKnown.rawText, sysKnown.promptTokens.length]);
  assert.equal(sys.prompt_eval_count, 8);

  const raw = await ollama.generate({ model: "oracle-eos", prompt: "over the", raw: true });
  assert.deepEqual([raw.response, raw.prompt_eval_count, raw.done_reason], [" lazy dog.", 3, "stop"]);
  const cooked = await ollama.generate({ model: "oracle-eos", prompt: "over the" });
  assert.equal(cooked.prompt_eval_count, oracleContinuation(EOS_SPEC, `${EOS_SYSTEM}over the`, 0).promptTokens.length);
  assert.ok(cooked.prompt_eval_count > raw.prompt_eval_count);
});

test("generate with no prompt loads the model: done_reason load, empty response", async () => {
  const viaClient = await ollama.generate({ model: "oracle", prompt: "" });
  assert.deepEqual([viaClient.done, viaClient.done_reason, viaClient.response], [true, "load", ""]);
  const bare = await post(`${server.url}/api/generate`, { model: "oracle" });
  assert.equal(bare.status, 200, bare.text);
  const body = bare.json as Record<string, unknown>;
  assert.deepEqual([body.done, body.done_reason, body.response], [true, "load", ""]);
});

test("chat, not streamed: the assistant's message; history goes through the chat template", async () => {
  const r = await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The quick brown" }] });
  assert.deepEqual(r.message, { role: "assistant", content: oracleText("The quick brown") });
  assert.deepEqual([r.done, r.done_reason, r.eval_count, r.prompt_eval_count], [true, "length", 12, oracleTokens("The quick brown")]);
  assert.ok(isRecentDate(r.created_at));
  assertTimings(r as unknown as Record<string, unknown>);
  const history = await ollama.chat({
    model: "oracle",
    messages: [{ role: "user", content: "The quick" }, { role: "assistant", content: " brown fox" }, { role: "user", content: "over the" }],
    options: { num_predict: 3 },
  });
  assert.deepEqual([history.message.content, history.done_reason], [" lazy dog.", "length"]);
});

test("chat, streamed: assistant chunks that join to the whole message, then done with the figures", async () => {
  const parts = await collect(await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The lazy" }], stream: true }));
  const whole = await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The lazy" }] });
  assert.equal(parts.length, 13);
  for (const p of parts.slice(0, -1)) {
    assert.deepEqual([p.done, p.message.role], [false, "assistant"]);
    assert.ok(p.message.content.length > 0);
  }
  assert.equal(parts.map((p) => p.message.content).join(""), whole.message.content);
  assert.equal(whole.message.content, oracleText("The lazy"));
  const last = parts.at(-1)!;
  assert.deepEqual([last.done, last.done_reason, last.message, last.eval_count], [true, "length", { role: "assistant", content: "" }, 12]);
  assertTimings(last as unknown as Record<string, unknown>);
});

test("chat with no messages loads the model: done_reason load", async () => {
  const r = await ollama.chat({ model: "oracle-eos", messages: [] });
  assert.deepEqual([r.done, r.done_reason, r.message.content], [true, "load", ""]);
});

test("every answer names the model as the request did (Ollama's `Model: req.Model`): \"oracle\" stays \"oracle\"", async () => {
  const names = async (model: string) => [
    (await ollama.generate({ model, prompt: "The lazy", options: { num_predict: 2 } })).model,
    ...(await collect(await ollama.generate({ model, prompt: "The lazy", stream: true, options: { num_predict: 2 } }))).map((p) => p.model),
    (await ollama.chat({ model, messages: [{ role: "user", content: "The lazy" }], options: { num_predict: 2 } })).model,
    ...(await collect(await ollama.chat({ model, messages: [{ role: "user", content: "The lazy" }], stream: true, options: { num_predict: 2 } }))).map((p) => p.model),
    (await ollama.generate({ model, prompt: "" })).model,
  ];
  assert.deepEqual(await names("oracle:latest"), Array(9).fill("oracle:latest"));
  assert.deepEqual(await names("oracle"), Array(9).fill("oracle"));
});

// Once a token swap between batched sequences (" the lazy The quick brown"): llama.cpp reorders a batch's output rows
// lazily in llama_get_logits_ith, which is not thread-safe, and node-llama-cpp samples the sequences of a batch on
// several worker threads at once; see src/runtime/sample-guard.ts and docs/decisions.md. Several rounds, so that the
// sequences come back from the pool in another order and the batch's sequence ids are out of order.
test("four concurrent requests each get their own text", async () => {
  const prompts = ["The quick brown", "jumps over", "The lazy", "dog."];
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(prompts.map((prompt) => ollama.generate({ model: "oracle", prompt, options: { num_predict: 5 } })));
    assert.deepEqual(results.map((r) => r.response), prompts.map((p) => oracleText(p, 5)));
  }
  const streams = await Promise.all(prompts.map(async (content) => collect(await ollama.chat({ model: "oracle", messages: [{ role: "user", content }], stream: true, options: { num_predict: 6 } }))));
  assert.deepEqual(streams.map((parts) => parts.map((p) => p.message.content).join("")), prompts.map((p) => oracleText(p, 6)));
});

// Ollama's server is a Go http.Server without IdleTimeout or ReadTimeout: an idle kept-alive connection stays open
// (https://github.com/ollama/ollama/blob/main/server/routes.go, `srvr := &http.Server{Handler: h}`). Node's default
// closed it after 5 s, and a client reusing it at that moment got ECONNRESET.
test("a kept-alive connection idle for 6 s is still open and answers the next request on it", async () => {
  const socket = connect(server.port, "127.0.0.1");
  socket.setEncoding("utf8");
  let received = "";
  let closed = false;
  socket.on("data", (d: string) => (received += d));
  socket.on("close", () => (closed = true));
  const ask = async () => {
    received = "";
    socket.write("GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    for (let i = 0; i < 200 && !/\r\n\r\n\{"version":"[^"]+"\}$/.test(received); i++) await sleep(25);
    return received;
  };
  await once(socket, "connect");
  assert.match(await ask(), /^HTTP\/1\.1 200 /);
  await sleep(6_000);
  assert.equal(closed, false, "the server closed the idle connection");
  assert.match(await ask(), /^HTTP\/1\.1 200 /);
  socket.destroy();
});

test("format json (generate) and a JSON Schema (chat) constrain a random model's output: it parses", async () => {
  for (const seed of [1, 2]) {
    const r = await ollama.generate({ model: "random", prompt: `item ${seed}`, format: "json", options: { seed, temperature: 0.8 } });
    assert.equal(r.done_reason, "stop", r.response);
    const value: unknown = JSON.parse(r.response ?? "");
    assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), r.response);
  }
  const c = await ollama.chat({ model: "random", messages: [{ role: "user", content: "who?" }], format: PERSON_SCHEMA, options: { seed: 3, temperature: 0.8, num_predict: 300 } });
  assert.equal(c.done_reason, "stop", c.message.content);
  assert.equal(notAPerson(JSON.parse(c.message.content)), undefined, c.message.content);
});

test("ps lists the loaded models: none before the first request, then the one loaded", async () => {
  const fresh = await env.start();
  const client = ollamaClient(fresh);
  assert.deepEqual(await client.ps(), { models: [] });
  const loaded = await client.generate({ model: "oracle", prompt: "" });
  assert.equal(loaded.done_reason, "load");
  const ps = await client.ps();
  assert.equal(ps.models.length, 1, JSON.stringify(ps));
  const m = ps.models[0]!;
  assert.deepEqual([m.name, m.model, m.digest, m.size_vram], ["oracle:latest", "oracle:latest", hex(env.digests.oracle!), 0]);
  assert.deepEqual(m.details, STORED_DETAILS);
  assert.ok(Number.isInteger(m.size) && m.size > 0, String(m.size));
  assert.ok(Date.parse(String(m.expires_at)) > Date.now(), String(m.expires_at));
  await fresh.close();
});

test("errors: unknown model 404 `not found`; broken JSON, wrong types and unsupported fields 400, all as {error}", async () => {
  const unknown = await ollamaFailure(ollama.generate({ model: "no-such-model", prompt: "hi" }));
  assert.equal(unknown.status, 404);
  assert.match(unknown.error, /not found/);
  for (const call of [() => ollama.chat({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }), () => ollama.show({ model: "no-such-model" })]) {
    const f = await ollamaFailure(call());
    assert.equal(f.status, 404);
    assert.match(f.error, /not found/);
  }
  const streamed = await post(`${server.url}/api/generate`, { model: "no-such-model", prompt: "hi" });
  assert.equal(streamed.status, 404);
  assert.deepEqual(Object.keys(streamed.json as object), ["error"]);

  const bad = async (path: string, body: unknown) => {
    const r = await post(`${server.url}${path}`, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    const json = r.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ["error"], r.text);
    assert.equal(typeof json.error, "string");
    assert.ok((json.error as string).length > 0);
    return json.error as string;
  };
  await bad("/api/generate", "{not json");
  await bad("/api/chat", "{not json");
  await bad("/api/generate", { model: "oracle", prompt: 5 });
  await bad("/api/generate", { model: "oracle", prompt: "hi", options: "hot" });
  await bad("/api/chat", { model: "oracle", messages: "hi" });
  await bad("/api/chat", { model: "oracle", messages: [{ role: "user", content: 3 }] });
  await bad("/api/generate", { prompt: "hi" });
  for (const [field, value] of [["template", "{{ .Prompt }}"], ["suffix", "end"], ["images", ["aGk="]]] as const) {
    const message = await bad("/api/generate", { model: "oracle", prompt: "hi", [field]: value });
    assert.match(message, new RegExp(field), message);
  }
  const images = await ollamaFailure(ollama.chat({ model: "oracle", messages: [{ role: "user", content: "hi", images: ["aGk="] }] }));
  assert.equal(images.status, 400);
  const suffix = await ollamaFailure(ollama.generate({ model: "oracle", prompt: "hi", suffix: "end" }));
  assert.equal(suffix.status, 400);
  // The server still answers.
  assert.equal((await ollama.generate({ model: "oracle", prompt: "dog.", options: { num_predict: 2 } })).response, oracleText("dog.", 2));
});

test("aborting a streamed request frees its sequence: with one sequence, the next request still answers", { timeout: 60_000 }, async () => {
  const one = await env.start({ parallel: 1 });
  const client = ollamaClient(one);
  // num_predict -1: the oracle (no EOS) would never stop by itself.
  const stream = await client.generate({ model: "oracle", prompt: "The quick brown", stream: true, options: { num_predict: -1 } });
  const got: string[] = [];
  for await (const part of stream) {
    got.push(part.response ?? "");
    if (got.length === 3) {
      stream.abort();
      break;
    }
  }
  assert.equal(got.join(""), oracleText("The quick brown", 3));
  const chatStream = await client.chat({ model: "oracle", messages: [{ role: "user", content: "jumps over" }], stream: true, options: { num_predict: -1 } });
  for await (const part of chatStream) {
    if (part.message.content !== "") {
      chatStream.abort();
      break;
    }
  }
  const next = await client.generate({ model: "oracle", prompt: "The lazy", options: { num_predict: 4 } });
  assert.deepEqual([next.response, next.done_reason], [oracleText("The lazy", 4), "length"]);
  // A raw fetch aborted by its AbortController.
  const controller = new AbortController();
  const res = await fetch(`${one.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "oracle", prompt: "dog.", options: { num_predict: -1 } }), signal: controller.signal });
  const reader = res.body!.getReader();
  await reader.read();
  controller.abort();
  const resumed = await client.chat({ model: "oracle", messages: [{ role: "user", content: "dog." }], options: { num_predict: 3 } });
  assert.equal(resumed.message.content, oracleText("dog.", 3));
  await one.close();
});

test("models: only those are served, loaded at start; others 404", async () => {
  const only = await env.start({ models: ["oracle"] });
  const client = ollamaClient(only);
  assert.deepEqual((await client.ps()).models.map((m) => m.name), ["oracle:latest"]);
  assert.deepEqual((await client.list()).models.map((m) => m.name), ["oracle:latest"]);
  assert.equal((await client.generate({ model: "oracle:latest", prompt: "The quick brown", options: { num_predict: 2 } })).response, " fox jumps");
  const other = await ollamaFailure(client.generate({ model: "oracle-eos", prompt: "hi" }));
  assert.equal(other.status, 404);
  assert.match(other.error, /not found/);
  await only.close();
});

test("models with an unknown name: startServer rejects with the store's InputError MS5102, its did-you-mean as the hint", async () => {
  let caught: unknown;
  try {
    await env.start({ models: ["oracel"] });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ModelsmithError, String(caught));
  assert.equal(caught.kind, "input");
  assert.equal(caught.diagnostics[0]!.code, "MS5102");
  assert.equal(caught.diagnostics[0]!.hint, "did you mean `oracle:latest`?");
  assert.equal(caught.diagnostics[0]!.message, "model oracel:latest not found in the store");
});

test("apiKey: 401 without `Authorization: Bearer <key>` or with a wrong one, except GET /; 200 with it", async () => {
  const locked = await env.start({ apiKey: "sekret" });
  const none = await ollamaFailure(ollamaClient(locked).list());
  assert.equal(none.status, 401);
  const wrong = await ollamaFailure(ollamaClient(locked, { Authorization: "Bearer nope" }).generate({ model: "oracle", prompt: "hi" }));
  assert.equal(wrong.status, 401);
  const raw = await post(`${locked.url}/api/generate`, { model: "oracle", prompt: "hi" });
  assert.equal(raw.status, 401);
  assert.equal(typeof (raw.json as { error?: unknown }).error, "string");
  assert.deepEqual([(await request(locked.url)).status, (await request(locked.url)).text], [200, "Ollama is running"]);
  const keyed = ollamaClient(locked, { Authorization: "Bearer sekret" });
  assert.deepEqual((await keyed.list()).models.map((m) => m.name).sort(), ["oracle-eos:latest", "oracle:latest", "random:latest"]);
  const r = await keyed.generate({ model: "oracle", prompt: "The quick brown", options: { num_predict: 2 } });
  assert.equal(r.response, " fox jumps");
  await locked.close();
});

test("the server logs one line per request", async () => {
  const before = env.logs.length;
  await ollama.version();
  await ollama.generate({ model: "oracle", prompt: "dog.", options: { num_predict: 1 } });
  const lines = env.logs.slice(before);
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0]!, /GET.*\/api\/version/);
  assert.match(lines[1]!, /POST.*\/api\/generate/);
  assert.ok(lines.every((l) => !l.includes("\n")));
});
