import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Ollama } from "ollama";
import { keepAliveMs, MAX_TIMER_MS, type RunningServer } from "../../src/serve/index.js";
import { oracleContinuation } from "../../src/testmodels/index.js";
import { collect, THINKER_MODEL, THINKER_SPEC, ollamaClient, ollamaFailure, oracleText, oracleTokens, post, request, serveEnv, TEST_MODELS, type ServeEnv } from "./helpers.js";

/**
 * Ollama's answers as Ollama gives them, for the fields its clients read:
 * `think`, `context`, unload, the metrics, keep_alive, unknown options, the
 * Bearer scheme. Each rule links the Ollama source it follows.
 */

let env: ServeEnv;
let server: RunningServer;
let ollama: Ollama;

before(async () => {
  env = await serveEnv({
    ...TEST_MODELS,
    thinker: THINKER_MODEL,
  });
  server = await env.start();
  ollama = ollamaClient(server);
});
after(() => env?.cleanup(), { timeout: 30_000 });

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L453-L464
test("think: false is accepted for every model (the AI SDK sends it); true is Ollama's 400 for a model whose template cannot think", async () => {
  const plain = await ollama.generate({ model: "oracle", prompt: "The quick brown", think: false, options: { num_predict: 3 } });
  assert.equal(plain.response, oracleText("The quick brown", 3));
  const chat = await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The lazy" }], think: false, options: { num_predict: 2 } });
  assert.equal(chat.message.content, oracleText("The lazy", 2));
  for (const call of [
    () => ollama.generate({ model: "oracle", prompt: "hi", think: true }),
    () => ollama.chat({ model: "oracle", messages: [{ role: "user", content: "hi" }], think: true }),
    () => ollama.generate({ model: "oracle", prompt: "hi", think: "high" }),
  ]) {
    assert.deepEqual(await ollamaFailure(call()), { status: 400, error: '"oracle" does not support thinking' });
  }
  const level = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "hi", think: "loud" });
  assert.deepEqual([level.status, (level.json as { error: string }).error], [400, 'invalid think value: "loud" (must be "high", "medium", "low", "max", true, or false)']);
  const shown = await ollama.show({ model: "oracle" });
  assert.deepEqual(shown.capabilities, ["completion"]);
});

test("think: true on a model whose TEMPLATE can think: accepted, the trace comes back in `thinking`, apart from the content", async () => {
  assert.deepEqual((await ollama.show({ model: "thinker" })).capabilities, ["completion", "thinking"]);
  const said = oracleContinuation(THINKER_SPEC, "go", 20).rawText;
  // Ollama's thinking.Parser: the trace between the tags, whitespace after either tag dropped.
  const [before, after] = said.split("</think>") as [string, string];
  const thinking = before.trimStart().slice("<think>".length).trimStart();
  const content = after.trimStart();
  assert.deepEqual([thinking, content], ["hmm ", "yes"], said);
  const r = await ollama.generate({ model: "thinker", prompt: "go", think: true });
  assert.deepEqual([r.thinking, r.response, r.done_reason], [thinking, content, "stop"]);
  const c = await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }], think: true });
  assert.deepEqual(c.message, { role: "assistant", content, thinking });
  // The next turn sends that message back, trace included: the TEMPLATE renders it as `.Thinking`.
  const turn = await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }, c.message, { role: "user", content: "go" }], think: true });
  assert.deepEqual(turn.message, c.message);
  assert.equal(turn.prompt_eval_count, oracleContinuation(THINKER_SPEC, `go<think>${thinking}</think>${content}go`, 0).promptTokens.length);
  const parts = await collect(await ollama.chat({ model: "thinker", messages: [{ role: "user", content: "go" }], think: true, stream: true }));
  assert.equal(parts.map((p) => p.message.thinking ?? "").join(""), thinking);
  assert.equal(parts.map((p) => p.message.content).join(""), content);
  // Without think the tags stay in the content, as in Ollama when thinking is off.
  const off = await ollama.generate({ model: "thinker", prompt: "go", think: false });
  assert.deepEqual([off.response, off.thinking], [said, undefined]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L724-L733
test("generate's final answer carries `context`: the prompt and the answer tokenized again, without BOS; sent back, it comes first", async () => {
  const r = await ollama.generate({ model: "oracle", prompt: "The quick brown" });
  const first = `The quick brown${r.response}`;
  assert.deepEqual(r.context, oracleContinuation({}, first, 0).promptTokens.slice(1));
  const streamed = await collect(await ollama.generate({ model: "oracle", prompt: "The quick brown", stream: true }));
  assert.deepEqual(streamed.at(-1)!.context, r.context);
  assert.ok(streamed.slice(0, -1).every((p) => p.context === undefined));
  const next = await ollama.generate({ model: "oracle", prompt: " The lazy", context: r.context, options: { num_predict: 3 } });
  const second = `${first} The lazy`;
  assert.equal(next.prompt_eval_count, oracleTokens(second));
  assert.equal(next.response, oracleText(second, 3));
  assert.deepEqual(next.context, oracleContinuation({}, `${second}${next.response}`, 0).promptTokens.slice(1));
  // raw: no context, as Ollama; raw with a context is Ollama's 400.
  const raw = await ollama.generate({ model: "oracle", prompt: "The lazy", raw: true, options: { num_predict: 2 } });
  assert.equal(raw.context, undefined);
  const rawContext = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "x", raw: true, context: [1, 2], stream: false });
  assert.deepEqual([rawContext.status, (rawContext.json as { error: string }).error], [400, "raw mode does not support template, system, or context"]);
  const bad = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "x", context: [10_000_000], stream: false });
  assert.equal(bad.status, 400, bad.text);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go (Metrics: every field omitempty)
test("the final answer's duration and count fields: all six, positive integers in ns, total ≥ load + prompt eval + eval", async () => {
  for (const r of [await ollama.generate({ model: "oracle", prompt: "The lazy", options: { num_predict: 4 } }), await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The lazy" }], options: { num_predict: 4 } })]) {
    const m = r as unknown as Record<string, number>;
    for (const f of ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"]) assert.ok(Number.isInteger(m[f]) && m[f]! > 0, `${f}: ${m[f]}`);
    assert.equal(m.eval_count, 4);
    assert.ok(m.total_duration! >= m.load_duration! + m.prompt_eval_duration! + m.eval_duration!, JSON.stringify(m));
  }
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L402-L414 (and #L2504-L2515 for chat)
test("an unload request (keep_alive 0, nothing to generate) answers done_reason unload and unloads the model", async () => {
  const own = await env.start();
  const client = ollamaClient(own);
  await client.generate({ model: "oracle", prompt: "" });
  await client.chat({ model: "oracle-eos", messages: [] });
  assert.deepEqual((await client.ps()).models.map((m) => m.name).sort(), ["oracle-eos:latest", "oracle:latest"]);
  const g = await client.generate({ model: "oracle", prompt: "", keep_alive: 0 });
  assert.deepEqual([g.done, g.done_reason, g.response, g.model], [true, "unload", "", "oracle"]);
  const c = await client.chat({ model: "oracle-eos", messages: [], keep_alive: 0 });
  assert.deepEqual([c.done, c.done_reason, c.message], [true, "unload", { role: "assistant", content: "" }]);
  assert.deepEqual((await client.ps()).models, []);
  // A model not loaded stays unloaded; an unknown one is 404.
  const again = await client.generate({ model: "oracle", prompt: "", keep_alive: "0s" });
  assert.equal(again.done_reason, "unload");
  assert.deepEqual((await client.ps()).models, []);
  assert.equal((await ollamaFailure(client.generate({ model: "nope", prompt: "", keep_alive: 0 }))).status, 404);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L1243-L1270
test("keep_alive is parsed as Ollama does (seconds, Go durations, negative = forever), a bad one is a 400 before any load", async () => {
  assert.equal(keepAliveMs(30), 30_000);
  assert.equal(keepAliveMs("5m"), 300_000);
  assert.equal(keepAliveMs("1h30m"), 5_400_000);
  assert.equal(keepAliveMs("1.5s"), 1500);
  assert.equal(keepAliveMs("0"), 0);
  assert.equal(keepAliveMs(-1), -1);
  assert.equal(keepAliveMs("-1m"), -1);
  // Past a Node timer's range (2^31-1 ms): kept loaded, not an overflowing timer that fires at once.
  assert.equal(keepAliveMs(MAX_TIMER_MS / 1000), MAX_TIMER_MS);
  assert.equal(keepAliveMs(1e10), -1);
  assert.equal(keepAliveMs("10000h"), -1);
  const own = await env.start();
  const client = ollamaClient(own);
  for (const [value, message] of [
    ["10", 'time: missing unit in duration "10"'],
    ["2d", 'time: unknown unit "d" in duration "2d"'],
    ["soon", 'time: invalid duration "soon"'],
    [true, "Unsupported type: 'bool'"],
  ] as const) {
    assert.deepEqual(await ollamaFailure(client.generate({ model: "oracle", prompt: "The lazy", keep_alive: value as never })), { status: 400, error: message });
  }
  assert.deepEqual((await client.ps()).models, [], "nothing was loaded for the bad requests");
  await client.generate({ model: "oracle", prompt: "", keep_alive: 1e10 });
  await client.generate({ model: "oracle-eos", prompt: "", keep_alive: "-1m" });
  await new Promise((r) => setTimeout(r, 50));
  const ps = await client.ps();
  assert.deepEqual(ps.models.map((m) => m.name).sort(), ["oracle-eos:latest", "oracle:latest"]);
  // Forever is Ollama's now + math.MaxInt64 ns (year ~2318), a date Go's RFC 3339 parser (`ollama ps`) reads:
  // https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L1253-L1265
  for (const m of ps.models) assert.ok(/^2[0-9]{3}-/.test(String(m.expires_at)) && new Date(m.expires_at).getFullYear() > new Date().getFullYear() + 250, String(m.expires_at));
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L991-L1009
test("unknown and retired option names are ignored with a warning in the server log, not a 400; a wrong value is still a 400", async () => {
  const before = env.logs.length;
  const r = await ollama.generate({ model: "oracle", prompt: "The quick brown", options: { tfs_z: 0.5, foo: 1, num_predict: 2 } as never });
  assert.equal(r.response, oracleText("The quick brown", 2));
  const c = await ollama.chat({ model: "oracle", messages: [{ role: "user", content: "The lazy" }], options: { foo: null, bar: "x", num_predict: 1 } as never });
  assert.equal(c.message.content, oracleText("The lazy", 1));
  const logged = env.logs.slice(before).filter((l) => l.startsWith("warning:"));
  assert.deepEqual(logged, [
    'warning: invalid option provided: "tfs_z" (ignored, as Ollama ignores it)',
    'warning: invalid option provided: "foo" (ignored, as Ollama ignores it)',
    'warning: invalid option provided: "bar" (ignored, as Ollama ignores it)',
  ]);
  assert.equal((await ollamaFailure(ollama.generate({ model: "oracle", prompt: "x", options: { num_predict: "many" } as never }))).status, 400);
});

test("--api-key: the Bearer scheme in any letter case (RFC 9110), the key exactly", async () => {
  const locked = await env.start({ apiKey: "Sekret" });
  for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
    const r = await request(`${locked.url}/api/version`, { headers: { Authorization: `${scheme} Sekret` } });
    assert.equal(r.status, 200, `${scheme}: ${r.text}`);
  }
  for (const header of ["Bearer sekret", "Basic Sekret", "BearerSekret", "Sekret"]) {
    assert.equal((await request(`${locked.url}/api/version`, { headers: { Authorization: header } })).status, 401, header);
  }
  assert.equal((await ollamaClient(locked, { Authorization: "bearer Sekret" }).list()).models.length, 4);
});
