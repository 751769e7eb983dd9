/**
 * Each loaded model runs in its own runner process (issue 10 item 7), as
 * Ollama's runners (https://github.com/ollama/ollama/blob/main/llm/server.go:
 * the runner subprocess, "llama runner process has terminated: %v" when it
 * dies, and the scheduler forgets a dead runner and starts a new one). Real
 * llama.cpp through node-llama-cpp in real child processes: nothing is faked.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { after, before, test } from "node:test";
import { execa } from "execa";
import type { RunningServer } from "../../src/serve/index.js";
import { openInRunner, type RunnerModel } from "../../src/serve/runner/runner-model.js";
import { fdpass, fdpassFile } from "../../src/serve/runner/fdpass.js";
import { gv } from "../../src/gguf/index.js";
import { onThreadFile } from "../../src/runtime/on-thread.js";
import { shimFile } from "../../src/runtime/threadpool.js";
import { oracleLlama, randomLlama } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { hasStackTrace } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { CYCLING_SPEC, oracleText, oracleTokens, post, serveEnv, type ServeEnv } from "./helpers.js";

/**
 * A llama-shaped model of the architecture `arch`, its rope.dimension_count
 * (32) not its head size (64): llama.cpp reads it, then its graph's
 * `GGML_ASSERT(n_embd_head == hparams.n_rot)` fails the first time the graph
 * is built (here the context's graph reservation, while the runner loads the
 * model) and calls abort() (llama.cpp src/llama-model.cpp, llm_build_exaone:
 * https://github.com/ggml-org/llama.cpp/blob/master/src/llama-model.cpp).
 * Our GGUF checks (src/gguf/hparams.ts) know this assertion for the
 * architectures of their table only: an architecture outside it (exaone)
 * passes them, as a GGUF from elsewhere could.
 */
export function abortingModel(arch = process.env["RUNNER_ABORT_ARCH"] ?? "exaone") {
  const g = randomLlama({ ...TINY_RANDOM, contextLength: 512 });
  const metadata = [...g.metadata].map(([k, v]) => {
    const key = k.startsWith("llama.") ? `${arch}.${k.slice(6)}` : k;
    if (key === "general.architecture") return [key, gv.str(arch)] as const;
    if (key === `${arch}.rope.dimension_count`) return [key, gv.u32(32)] as const;
    return [key, v] as const;
  });
  return { ...g, metadata };
}

let env: ServeEnv;
let server: RunningServer;
/** Every runner the server started, in order (its pid as soon as it starts; the model once loaded). */
const runners: { name: string; pid: number; model?: RunnerModel }[] = [];

before(async () => {
  env = await serveEnv({
    oracle: { gguf: oracleLlama(CYCLING_SPEC), params: { temperature: 0, num_predict: 12, num_ctx: 512 } },
    aborts: { gguf: abortingModel(), params: { num_ctx: 512, num_predict: 4 } },
  });
  server = await env.start({
    open: async (root, name, o) => {
      const entry: { name: string; pid: number; model?: RunnerModel } = { name, pid: 0 };
      runners.push(entry);
      entry.model = await openInRunner(root, name, { ...o, threads: 1, gpu: false }, { onStart: (pid) => (entry.pid = pid) });
      return entry.model;
    },
  });
});
after(() => env?.cleanup());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

test("a GGUF that makes llama.cpp abort: its request is a 500 'llama runner process has terminated', its runner is gone, the oracle answers next", { timeout: 60_000 }, async () => {
  const r = await post(`${server.url}/api/generate`, { model: "aborts", prompt: "hello", stream: false });
  assert.equal(r.status, 500, r.text);
  const error = (r.json as { error: string }).error;
  assert.match(error, /^llama runner process has terminated: signal: aborted/);
  assert.match(error, /GGML_ASSERT/, "llama.cpp's own assertion line is in the error");
  const runner = runners.find((x) => x.name === "aborts")!;
  assert.ok(runner.pid > 0);
  assert.ok(await gone(runner.pid), "the runner process is gone");

  const ok = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "The quick brown", stream: false });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((ok.json as { response: string }).response, oracleText("The quick brown"));

  // The pool forgot it: the next request for it starts a new runner (which aborts again).
  const again = await post(`${server.url}/api/generate`, { model: "aborts", prompt: "hello", stream: false });
  assert.equal(again.status, 500);
  assert.equal(runners.filter((x) => x.name === "aborts").length, 2);
});

test("a runner streams its pieces between decodes, several to a message (outbox.ts), the first at once: every piece arrives, one NDJSON line each, in order", { timeout: 60_000 }, async () => {
  const prompt = "The quick brown";
  const n = 96;
  // The oracle decodes a token in well under a millisecond: at most every 16 ms, the runner's messages carry many pieces each, and
  // the server writes a message's lines in one tick, which Node sends in one write (it corks a response's socket per tick:
  // lib/_http_outgoing.js write_, connectionCorkNT). So the client's socket reads far fewer chunks than there are lines. Read
  // on a raw socket: node:http's parser would emit one "data" per chunked-encoding chunk whatever the reads.
  const raw = await new Promise<{ reads: number; text: string }>((resolve, reject) => {
    const url = new URL(server.url);
    const payload = JSON.stringify({ model: "oracle", prompt, raw: true, options: { num_predict: n } });
    const s = connect(Number(url.port), url.hostname, () => {
      s.write(`POST /api/generate HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
    });
    let reads = 0;
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (c: string) => {
      reads++;
      text += c;
    });
    s.on("end", () => resolve({ reads, text }));
    s.on("error", reject);
  });
  const reads = raw.reads;
  // De-chunk: the body's chunks are "<hex size>\r\n<data>\r\n" after the headers.
  let rest = raw.text.slice(raw.text.indexOf("\r\n\r\n") + 4);
  let body = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) break;
    body += Buffer.from(rest.slice(eol + 2)).subarray(0, size).toString("utf8");
    rest = Buffer.from(rest.slice(eol + 2)).subarray(size + 2).toString("utf8");
  }
  const lines = body.trimEnd().split("\n").map((l) => JSON.parse(l) as { response: string; done: boolean; eval_count?: number });
  assert.equal(lines.at(-1)!.done, true);
  assert.equal(lines.at(-1)!.eval_count, n);
  const pieces = lines.slice(0, -1);
  assert.ok(pieces.every((l) => l.response !== ""), "one line per piece, none empty");
  assert.equal(pieces.map((l) => l.response).join(""), oracleText(prompt, n));
  assert.ok(reads < pieces.length / 2, `${reads} reads for ${pieces.length} lines: pieces are not grouped`);
});

test("a runner decodes and samples on its own thread where npm run build made the module (on-thread.ts), and answers the oracle's text", { timeout: 60_000 }, async () => {
  const r = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "jumps over the", stream: false });
  assert.equal(r.status, 200, r.text);
  assert.equal((r.json as { response: string }).response, oracleText("jumps over the"));
  const runner = runners.filter((x) => x.name === "oracle" && x.model && !x.model.exited).at(-1)!;
  // openModel's decodeOnThread: the CPU, the thread pool library and the module all present (as npm run build makes them on Linux with compilers).
  const expected = process.platform === "linux" && existsSync(onThreadFile()) && existsSync(shimFile()) && process.env["MODELSMITH_DECODE_ON_THREAD"] !== "0";
  assert.equal(runner.model!.decodesOnThread, expected, `module ${onThreadFile()} ${existsSync(onThreadFile()) ? "present" : "absent"}`);
});

test("a runner SIGKILLed mid-stream: the stream ends with an error line, the next request starts a new runner and is answered", { timeout: 60_000 }, async () => {
  const res = await fetch(`${server.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "oracle", prompt: "The quick brown", options: { num_predict: -1 } }) });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);
  const runner = runners.filter((x) => x.name === "oracle").at(-1)!.model!;
  process.kill(runner.pid, "SIGKILL");
  for (;;) {
    const part = await reader.read();
    if (part.done) break;
    text += decoder.decode(part.value);
  }
  const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { response?: string; error?: string; done?: boolean });
  assert.ok(lines.length >= 2, text);
  assert.equal(lines.at(-1)!.error, "llama runner process has terminated: signal: killed");
  assert.ok(!lines.some((l) => l.done), "no done line after the runner died");
  assert.ok(await gone(runner.pid));

  const ok = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "The lazy", stream: false });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((ok.json as { response: string }).response, oracleText("The lazy"));
  const fresh = runners.filter((x) => x.name === "oracle").at(-1)!.model!;
  assert.notEqual(fresh.pid, runner.pid);
  assert.ok(alive(fresh.pid));
});

/** The pids of `pid`'s children, whichever of its threads started them (Linux: /proc/<pid>/task/<tid>/children; runners are started by the spawner thread). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
}

/** `modelsmith serve` on this test's store as a subprocess, once it listens: the process, its URL, its stderr so far, and its exit. */
async function serveProcess(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", ...args, "--port", "0", "--host", "127.0.0.1"], {
    cwd: fromRoot(),
    env: { ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: env.root, ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let url: string | undefined;
  for (let i = 0; i < 600 && !url && child.exitCode === null; i++) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) child.kill("SIGKILL");
  assert.ok(url, stderr);
  return { child, url, stderr: () => stderr, exited };
}

test("serve SIGTERM during a stream: exit 0 within grace + 1 s, and its runner process is gone", { timeout: 90_000, skip: process.platform !== "linux" && "reads /proc" }, async () => {
  const { child, url, stderr, exited } = await serveProcess(["--shutdown-grace", "1"]);
  try {
    const res = await fetch(`${url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "oracle", prompt: "The quick brown", options: { num_predict: -1 } }) });
    const reader = res.body!.getReader();
    await reader.read();
    const pids = childrenOf(child.pid!);
    assert.equal(pids.length, 1, "one runner for the one loaded model");
    const drain = (async () => {
      while (!(await reader.read()).done);
    })();
    const signalled = Date.now();
    child.kill("SIGTERM");
    const exit = await exited;
    const elapsed = Date.now() - signalled;
    await drain.catch(() => undefined);
    assert.deepEqual(exit, { code: 0, signal: null }, stderr());
    assert.ok(elapsed < 1000 + 1000, `exited ${elapsed} ms after SIGTERM (grace 1 s)`);
    assert.ok(await gone(pids[0]!, 2000), `runner ${pids[0]} is left behind`);
    assert.ok(!hasStackTrace(stderr()), stderr());
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

test("requests that arrive together at an idle runner start together: their prompts go to llama.cpp in one batch (serve as a subprocess, the batch trace)", { timeout: 90_000 }, async () => {
  // A wide window (the default is 3 ms, the most 1000), so that requests sent 40 ms apart fall in it, on a loaded CI machine too.
  const { child, url, stderr, exited } = await serveProcess(["oracle", "--parallel", "4"], { MODELSMITH_TRACE: "batches", MODELSMITH_BATCH_WINDOW_MS: "1000" });
  try {
    const prompts = ["The quick brown", "jumps over the", "the lazy dog.", "The quick"];
    // 40 ms apart: each reaches the runner on a turn of its own, within the window the first one opens (the three sent
    // after it must come within 1 s of its arrival).
    const answers = await Promise.all(
      prompts.map(async (prompt, i) => {
        await new Promise((r) => setTimeout(r, 40 * i));
        return post(`${url}/api/generate`, { model: "oracle", prompt, raw: true, stream: false, options: { num_predict: 4 } });
      }),
    );
    for (const [i, a] of answers.entries()) assert.equal((a.json as { response: string }).response, oracleText(prompts[i]!, 4), a.text);
    child.kill("SIGTERM");
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr());
    const line = /modelsmith trace batches oracle(?::latest)?: (\{.*\})/.exec(stderr())?.[1];
    assert.ok(line, `the runner's batch trace is on serve's stderr: ${stderr()}`);
    const sizes = (JSON.parse(line) as { sizes: Record<string, number> }).sizes;
    const together = prompts.reduce((n, p) => n + oracleTokens(p), 0);
    assert.equal(sizes[String(together)], 1, `one batch of the four prompts (${together} tokens): ${JSON.stringify(sizes)}`);
    assert.ok(Object.keys(sizes).every((n) => Number(n) === together || Number(n) <= 4), `every other batch a token per sequence: ${JSON.stringify(sizes)}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

test("a hung runner (SIGSTOPped mid-generation) is killed after hangMs, its request fails with the reason", { timeout: 60_000 }, async () => {
  const model = await openInRunner(env.root, "oracle", { parallel: 1, threads: 1, gpu: false }, { hangMs: 600 });
  let pieces = 0;
  let stopped = false;
  const reason = await model
    .generate({
      prompt: "The quick brown",
      options: { num_predict: -1 },
      onToken: () => {
        if (++pieces === 2 && !stopped) {
          stopped = true;
          process.kill(model.pid, "SIGSTOP");
        }
      },
    })
    .then(
      () => "answered",
      (err: Error) => err.message,
    );
  assert.ok(stopped, "the runner streamed before it was stopped");
  assert.equal(reason, "llama runner process has terminated: no progress for 600 ms, killed");
  assert.ok(await gone(model.pid));
  assert.ok(model.exited);
});

test("serve of a model whose runner dies while loading: exit 3, error[MS8200] with llama.cpp's last line, no stack trace, never listening", { timeout: 60_000 }, async () => {
  const r = await execa(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", "aborts", "--port", "0", "--host", "127.0.0.1"], {
    cwd: fromRoot(),
    env: { ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: env.root },
    reject: false,
    timeout: 50_000,
  });
  assert.equal(r.exitCode, 3, r.stderr);
  assert.match(r.stderr, /error\[MS8200\]: llama runner process has terminated: signal: aborted: .*GGML_ASSERT/);
  assert.doesNotMatch(r.stderr, /listening on/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});

/** The current runner of "oracle" (loaded: a request first, when none is). */
async function oracleRunner(): Promise<RunnerModel> {
  const live = () => runners.filter((x) => x.name === "oracle" && x.model && !x.model.exited).at(-1)?.model;
  if (!live()) assert.equal((await post(`${server.url}/api/generate`, { model: "oracle", prompt: "x", stream: false })).status, 200);
  return live()!;
}

/** The JSON objects of a streamed body: NDJSON lines, or SSE `data:` events (without `[DONE]`); each as the server's JSON.stringify wrote it. */
function streamedObjects(body: string, sse: boolean): Record<string, unknown>[] {
  const lines = sse
    ? body.split("\n\n").filter((e) => e !== "").map((e) => e.replace(/^data: /, "")).filter((e) => e !== "[DONE]")
    : body.trimEnd().split("\n");
  return lines.map((line) => {
    const v = JSON.parse(line) as Record<string, unknown>;
    assert.equal(JSON.stringify(v), line, "each chunk exactly as JSON.stringify writes it");
    return v;
  });
}

test("streamed answers through a runner: after the first pieces the runner writes the rest to the client itself, each chunk the server's own, the text the whole answer's (4 endpoints)", { timeout: 120_000, skip: !fdpass() && `the connection passing module is not loaded (${fdpassFile()})` }, async () => {
  const runner = await oracleRunner();
  const options = { num_predict: 300 };
  const messages = [{ role: "user", content: "The quick brown" }];
  const cases = [
    { path: "/v1/completions", body: { prompt: "The quick brown", max_tokens: 300 }, sse: true, text: (o: any) => o.choices?.[0]?.text ?? "", whole: (o: any) => o.choices[0].text },
    { path: "/v1/chat/completions", body: { messages, max_tokens: 300 }, sse: true, text: (o: any) => o.choices?.[0]?.delta?.content ?? "", whole: (o: any) => o.choices[0].message.content },
    { path: "/api/generate", body: { prompt: "The quick brown", options }, sse: false, text: (o: any) => o.response ?? "", whole: (o: any) => o.response },
    { path: "/api/chat", body: { messages, options }, sse: false, text: (o: any) => o.message?.content ?? "", whole: (o: any) => o.message.content },
  ];
  for (const c of cases) {
    const before = runner.directStreams;
    const streamed = await post(`${server.url}${c.path}`, { model: "oracle", ...c.body, stream: true });
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(runner.directStreams, before + 1, `${c.path}: the runner wrote pieces itself`);
    const objects = streamedObjects(streamed.text, c.sse);
    const whole = await post(`${server.url}${c.path}`, { model: "oracle", ...c.body, stream: false });
    assert.equal(whole.status, 200, whole.text);
    const text = c.whole(whole.json);
    assert.ok(text.length > 300, `${c.path}: a long answer (${text.length} characters)`);
    assert.equal(objects.map(c.text).join(""), text, `${c.path}: the streamed text is the whole answer's`);
    if (c.sse) {
      assert.equal(new Set(objects.map((o) => o.id)).size, 1, "one id in every chunk");
      assert.equal(new Set(objects.map((o) => o.created)).size, 1, "one created in every chunk");
      assert.ok(objects.slice(0, -2).every((o: any) => o.choices[0].finish_reason === null), "no finish_reason before the end");
    } else {
      const times = objects.map((o) => Date.parse(o.created_at as string));
      assert.ok(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1]!)), "created_at in order");
      assert.deepEqual(objects.map((o) => o.done), [...objects.slice(1).map(() => false), true]);
    }
  }
});

/** The inode of the server's side of the loopback TCP connection from client port `clientPort` to `serverPort` (/proc/net/tcp). */
function serverSideInode(serverPort: number, clientPort: number): string | undefined {
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const port = (a: string) => Number.parseInt(a.split(":")[1]!, 16);
    if (port(f[1]!) === serverPort && port(f[2]!) === clientPort) return f[9];
  }
  return undefined;
}
/** Whether process `pid` holds a descriptor of socket `inode`. */
function holds(pid: number, inode: string): boolean {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}
/** An endless stream of "oracle" on a raw socket: its socket, what it read so far, and the server's side's inode. */
async function endlessStream(on: RunningServer = server): Promise<{ s: ReturnType<typeof connect>; read: () => string; inode: string }> {
  const url = new URL(on.url);
  const payload = JSON.stringify({ model: "oracle", prompt: "The quick brown", options: { num_predict: -1 } });
  const s = connect(Number(url.port), url.hostname);
  await new Promise((resolve) => s.once("connect", resolve));
  let text = "";
  s.setEncoding("utf8").on("data", (c: string) => (text += c));
  s.on("error", () => undefined);
  s.write(`POST /api/generate HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
  const inode = serverSideInode(Number(url.port), s.localPort!);
  assert.ok(inode, "the server's side of the connection is in /proc/net/tcp");
  return { s, read: () => text, inode };
}
const waitFor = async (check: () => boolean, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test("a client that goes away while the runner holds its connection: the runner lets go of it, stops, and the next request is answered", { timeout: 60_000, skip: (process.platform !== "linux" || !fdpass()) && "reads /proc; needs the connection passing module" }, async () => {
  const runner = await oracleRunner();
  const { s, read, inode } = await endlessStream();
  await waitFor(() => holds(runner.pid, inode), "the runner holds the client's connection");
  const before = read().length;
  await waitFor(() => read().length > before + 1000, "the runner's chunks arrive");
  s.destroy();
  await waitFor(() => !holds(runner.pid, inode), "the runner closed its descriptor");
  const ok = await post(`${server.url}/api/generate`, { model: "oracle", prompt: "The lazy", stream: false });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((ok.json as { response: string }).response, oracleText("The lazy"));
  assert.equal(runners.filter((x) => x.name === "oracle").at(-1)!.model, runner, "the same runner");
});

test("a runner SIGKILLed while it holds the client's connection: the stream still ends with the error line, in whole chunks", { timeout: 60_000, skip: (process.platform !== "linux" || !fdpass()) && "reads /proc; needs the connection passing module" }, async () => {
  const runner = await oracleRunner();
  const { s, read, inode } = await endlessStream();
  await waitFor(() => holds(runner.pid, inode), "the runner holds the client's connection");
  process.kill(runner.pid, "SIGKILL");
  await waitFor(() => read().endsWith("0\r\n\r\n"), "the response ends");
  s.destroy();
  // De-chunk strictly: a chunk cut short would misalign the sizes.
  let rest = Buffer.from(read().slice(read().indexOf("\r\n\r\n") + 4));
  let body = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.subarray(0, eol).toString(), 16);
    assert.ok(Number.isInteger(size), `a chunk size at ${JSON.stringify(rest.subarray(0, 20).toString())}`);
    if (size === 0) break;
    assert.equal(rest.subarray(eol + 2 + size, eol + 4 + size).toString(), "\r\n", "each chunk ends where its size says");
    body += rest.subarray(eol + 2, eol + 2 + size).toString();
    rest = rest.subarray(eol + 4 + size);
  }
  const lines = streamedObjects(body, false) as { response?: string; error?: string; done?: boolean }[];
  assert.equal(lines.at(-1)!.error, "llama runner process has terminated: signal: killed");
  assert.ok(lines.slice(0, -1).every((l) => typeof l.response === "string" && !l.done));
  assert.ok(await gone(runner.pid));
});

test("an HTTP/1.0 stream (no chunked coding): the server keeps writing it (nogo), every piece arrives", { timeout: 60_000 }, async () => {
  const runner = await oracleRunner();
  const before = runner.directStreams;
  const url = new URL(server.url);
  const payload = JSON.stringify({ model: "oracle", prompt: "The quick brown", raw: true, options: { num_predict: 200 } });
  const text = await new Promise<string>((resolve, reject) => {
    const s = connect(Number(url.port), url.hostname, () => s.write(`POST /api/generate HTTP/1.0\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`));
    let t = "";
    s.setEncoding("utf8").on("data", (c: string) => (t += c));
    s.on("end", () => resolve(t));
    s.on("error", reject);
  });
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  assert.doesNotMatch(head, /transfer-encoding/i, head);
  const lines = streamedObjects(text.slice(head.length + 4), false) as { response: string; done: boolean }[];
  assert.equal(lines.at(-1)!.done, true);
  assert.equal(lines.map((l) => l.response).join(""), oracleText("The quick brown", 200));
  assert.equal(runner.directStreams, before, "not handed over");
});

test("a runner writing a stream itself for longer than the hang limit says it is alive: not killed, the stream ends with its done line", { timeout: 60_000, skip: (process.platform !== "linux" || !fdpass()) && "reads /proc; needs the connection passing module" }, async () => {
  let runner: RunnerModel | undefined;
  const hangMs = 150;
  const patient = await env.start({
    open: async (root, name, o) => (runner = await openInRunner(root, name, { ...o, threads: 1, gpu: false }, { hangMs })),
  });
  const { s, read, inode } = await endlessStream(patient);
  await waitFor(() => runner !== undefined && holds(runner.pid, inode), "the runner holds the client's connection");
  const held = Date.now();
  // It runs until its context is full (num_ctx 512); all that time the runner sends no piece to the server.
  await waitFor(() => read().endsWith("0\r\n\r\n"), "the response ends", 30_000);
  const lasted = Date.now() - held;
  s.destroy();
  assert.ok(lasted > 3 * hangMs, `held for ${lasted} ms: over three hang limits`);
  assert.doesNotMatch(read(), /"error"/);
  assert.match(read(), /"done":true/);
  assert.ok(!runner!.exited, "not killed as hung");
  await waitFor(() => !holds(runner!.pid, inode), "the runner closed its descriptor");
  await patient.close();
});
