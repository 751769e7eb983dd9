import v8 from "node:v8";
import vm from "node:vm";
import { treeRss } from "../../tools/process-tree.js";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunningServer } from "../../src/serve/index.js";
import { MAX_BODY_BYTES } from "../../src/serve/http.js";
import { oracleText, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * A bounded load test on loopback (issue 10): 300 mixed requests at concurrency
 * 16, streamed or not, Ollama's and OpenAI's APIs, 20% bad (broken JSON, unknown
 * models, bodies over the limit). Every good request gets the oracle's known
 * text, every bad one its 4xx, no connection is reset, no 5xx, and the RSS of the
 * server's process tree (this process and its runner children), after a warm-up
 * round of another 300, ends within 20% of where it started.
 */

/** A full collection (V8's gc, exposed here without --expose-gc), so the RSS compared is what the heap holds, not garbage. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

let env: ServeEnv;
let server: RunningServer;
before(async () => {
  env = await serveEnv();
  server = await env.start();
});
after(() => env?.cleanup(), { timeout: 30_000 });

const PROMPTS = ["The quick brown", "jumps over", "The lazy", "dog.", "fox", "over the lazy dog."];
type Kind = "generate" | "generate-stream" | "chat" | "chat-stream" | "openai" | "openai-stream" | "bad-json" | "unknown-model" | "oversize";

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  kind: Kind;
  status: number;
  ok: boolean;
  detail: string;
  reset: boolean;
}

/** NDJSON or SSE lines of a streamed answer, joined into its text. */
function streamedText(kind: Kind, body: string): string {
  if (kind === "openai-stream") {
    return body
      .split("\n")
      .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
      .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
      .join("");
  }
  return body
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const o = JSON.parse(l) as { response?: string; message?: { content: string } };
      return o.response ?? o.message?.content ?? "";
    })
    .join("");
}

/** A body declared (Content-Length) over the limit: the server answers 413 from the headers and closes. */
function oversize(): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}/api/generate`, { method: "POST", headers: { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES + 1) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.write('{"model":"oracle","prompt":"');
  });
}

async function one(kind: Kind, prompt: string, n: number): Promise<Outcome> {
  const base = { kind, reset: false };
  try {
    if (kind === "oversize") {
      const r = await oversize();
      return { ...base, status: r.status, ok: r.status === 413 && /larger than/.test(r.text), detail: r.text };
    }
    const [path, body] = ((): [string, string] => {
      switch (kind) {
        case "generate":
        case "generate-stream":
          return ["/api/generate", JSON.stringify({ model: "oracle", prompt, stream: kind === "generate-stream", options: { num_predict: n } })];
        case "chat":
        case "chat-stream":
          return ["/api/chat", JSON.stringify({ model: "oracle", messages: [{ role: "user", content: prompt }], stream: kind === "chat-stream", options: { num_predict: n } })];
        case "openai":
        case "openai-stream":
          return ["/v1/chat/completions", JSON.stringify({ model: "oracle", messages: [{ role: "user", content: prompt }], stream: kind === "openai-stream", max_tokens: n })];
        case "bad-json":
          return ["/api/chat", '{"model":"oracle","messages":[{"role":"user","content":"x"}'];
        default:
          return ["/api/generate", JSON.stringify({ model: `no-such-model-${n}`, prompt })];
      }
    })();
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    if (kind === "bad-json") return { ...base, status: res.status, ok: res.status === 400 && "error" in (JSON.parse(text) as object), detail: text };
    if (kind === "unknown-model") return { ...base, status: res.status, ok: res.status === 404 && /not found/.test(text), detail: text };
    if (res.status !== 200) return { ...base, status: res.status, ok: false, detail: text };
    const got =
      kind.endsWith("-stream") ? streamedText(kind, text)
      : kind === "openai" ? (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content
      : kind === "chat" ? (JSON.parse(text) as { message: { content: string } }).message.content
      : (JSON.parse(text) as { response: string }).response;
    const want = oracleText(prompt, n);
    return { ...base, status: res.status, ok: got === want, detail: got === want ? "" : `${JSON.stringify(got)} != ${JSON.stringify(want)}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (err as { code?: string }).code ?? "";
    return { ...base, status: 0, ok: false, reset: code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET", detail: `${String(err)} ${code}` };
  }
}

/** 300 requests of the mix (20% bad), 16 at a time. */
async function round(seed: number, good: Kind[], bad: Kind[]): Promise<Outcome[]> {
  const random = prng(seed);
  const jobs = Array.from({ length: 300 }, () => {
    const kind = random() < 0.2 ? bad[Math.floor(random() * bad.length)]! : good[Math.floor(random() * good.length)]!;
    return { kind, prompt: PROMPTS[Math.floor(random() * PROMPTS.length)]!, n: 1 + Math.floor(random() * 12) };
  });
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        outcomes.push(await one(job.kind, job.prompt, job.n));
      }
    }),
  );
  return outcomes;
}

test("300 mixed requests at concurrency 16: every good one answered right, the bad ones 4xx, no reset, no 5xx, RSS back", { timeout: 600_000 }, async () => {
  const good: Kind[] = ["generate", "generate-stream", "chat", "chat-stream", "openai", "openai-stream"];
  const bad: Kind[] = ["bad-json", "unknown-model", "oversize"];
  // Warm up with two whole rounds of other mixes: the model loaded, its sequences, every code path, and the memory the
  // allocators keep after such rounds (native memory glibc keeps for reuse) are in the start RSS; a leak grows again in the
  // measured round. One round was not always enough: this process is also the 16 clients, and after one warm round its RSS
  // still grew by 10-20% in the measured one, leak or not (the same with the runner's streaming grouped or not).
  for (const seed of [1, 2]) {
    const warm = await round(seed, good, bad);
    assert.deepEqual(warm.filter((o) => !o.ok).map((o) => `${o.kind} ${o.status}: ${o.detail}`), []);
  }
  await sleep(1_000);
  collectGarbage();
  // The server is this process and, since models run in runners (src/serve/runner/), its runner children: their tree.
  const rssStart = treeRss(process.pid);
  const selfStart = process.memoryUsage();
  const outcomes = await round(20261204, good, bad);
  assert.equal(outcomes.length, 300);
  const badCount = outcomes.filter((o) => bad.includes(o.kind)).length;
  assert.ok(badCount >= 40 && badCount <= 80, `bad requests: ${badCount}`);
  for (const k of [...good, ...bad]) assert.ok(outcomes.some((o) => o.kind === k), `no ${k} request in the mix`);
  assert.deepEqual(outcomes.filter((o) => o.reset).map((o) => `${o.kind}: ${o.detail}`), [], "connection resets");
  assert.deepEqual(outcomes.filter((o) => o.status >= 500).map((o) => `${o.kind} ${o.status}: ${o.detail}`), [], "5xx answers");
  assert.deepEqual(outcomes.filter((o) => !o.ok).map((o) => `${o.kind} ${o.status}: ${o.detail}`), [], "wrong answers");
  // RSS: let the sockets close and the heap settle.
  await sleep(1_000);
  collectGarbage();
  const rssEnd = treeRss(process.pid);
  const selfEnd = process.memoryUsage();
  assert.ok(rssEnd <= rssStart * 1.2, `RSS ${(rssEnd / 2 ** 20).toFixed(0)} MiB at the end, ${(rssStart / 2 ** 20).toFixed(0)} MiB at the start (this process: ${JSON.stringify(selfStart)} then ${JSON.stringify(selfEnd)})`);
});
