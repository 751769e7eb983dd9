import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { execa } from "execa";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { oracleLlama } from "../../src/testmodels/index.js";
import { hasStackTrace } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { storeModel, tempStore } from "../runtime/store-model.js";
import { oracleText, request } from "./helpers.js";

let env: Awaited<ReturnType<typeof tempStore>>;

before(async () => {
  env = await tempStore();
  // num_thread is a load-time PARAMETER: one thread, as every test that loads a model.
  await storeModel(env.store, "oracle", { gguf: oracleLlama({}), params: { temperature: 0, num_predict: 6, num_ctx: 256, num_thread: 1 } });
  // Without end-of-sequence: a generation that runs until its cap (10 x num_ctx), for the shutdown test.
  await storeModel(env.store, "endless", { gguf: oracleLlama({ endWithEos: false }), params: { temperature: 0, num_ctx: 4096, num_thread: 1 } });
});
after(() => env?.cleanup());

const cliEnv = () => ({ ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: env.root });

/** `modelsmith serve …` running in the background, its stderr collected. */
interface Serving {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: string[]): Serving {
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", ...args], { cwd: fromRoot(), env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

/** The URL from the line `listening on http://127.0.0.1:<port>` on stderr; fails when the process exits first or after `ms`. */
async function listeningUrl(s: Serving, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  let exited: { code: number | null } | undefined;
  void s.exited.then((e) => (exited = e));
  for (;;) {
    const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(s.stderr());
    if (m) {
      assert.notEqual(m[2], "0");
      return m[1]!;
    }
    if (exited) assert.fail(`serve exited (${exited.code}) before listening:\n${s.stderr()}`);
    if (Date.now() > deadline) assert.fail(`no "listening on" line within ${ms} ms:\n${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends SIGTERM and waits (at most `ms`) for the exit. */
async function terminate(s: Serving, ms = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null } | "timeout"> {
  s.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills a server a failed test left running (only this test's own child). */
function reap(s: Serving | undefined): void {
  if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
}

/** Runs `modelsmith serve …` to its end (a server that wrongly starts is killed after `ms`). */
const serveToEnd = (args: string[], ms = 30_000) =>
  execa(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", ...args], { cwd: fromRoot(), env: cliEnv(), reject: false, timeout: ms, stripFinalNewline: false });

test("serve --port 0 prints where it listens, answers the ollama and openai clients, and exits 0 on SIGTERM", { timeout: 90_000 }, async () => {
  let s: Serving | undefined;
  try {
    s = serve(["--port", "0", "--host", "127.0.0.1"]);
    const url = await listeningUrl(s);
    const r = await new Ollama({ host: url }).generate({ model: "oracle", prompt: "The quick brown" });
    assert.deepEqual([r.response, r.done_reason, r.eval_count], [oracleText("The quick brown", 6), "length", 6]);
    assert.equal(r.response, " fox jumps over the lazy dog");
    const c = await new OpenAI({ baseURL: `${url}/v1`, apiKey: "k", maxRetries: 0 }).chat.completions.create({ model: "oracle", messages: [{ role: "user", content: "jumps over" }], max_tokens: 2 });
    assert.equal(c.choices[0]!.message.content, " the lazy");
    const exit = await terminate(s);
    assert.deepEqual(exit, { code: 0, signal: null }, s.stderr());
    assert.ok(!hasStackTrace(s.stderr()), s.stderr());
  } finally {
    reap(s);
  }
});

test("serve <model> --api-key: the model is loaded before it listens; requests need the key, GET / does not", { timeout: 90_000 }, async () => {
  let s: Serving | undefined;
  try {
    s = serve(["oracle", "--port", "0", "--host", "127.0.0.1", "--api-key", "sekret"]);
    const url = await listeningUrl(s);
    assert.equal((await request(url)).text, "Ollama is running");
    assert.equal((await request(`${url}/api/ps`)).status, 401);
    const ps = await new Ollama({ host: url, headers: { Authorization: "Bearer sekret" } }).ps();
    assert.deepEqual(ps.models.map((m) => m.name), ["oracle:latest"]);
    assert.deepEqual(await terminate(s), { code: 0, signal: null }, s.stderr());
  } finally {
    reap(s);
  }
});

test("serve with an unknown model: exit 2, error[MS5102], no stack trace, never listening", { timeout: 60_000 }, async () => {
  const none = await serveToEnd(["no-such-model", "--port", "0"]);
  assert.equal(none.exitCode, 2, String(none.stderr));
  assert.match(String(none.stderr), /^error\[MS5102\]: .*no-such-model.* not found/m);
  assert.ok(!hasStackTrace(String(none.stderr)), String(none.stderr));
  assert.doesNotMatch(String(none.stderr), /listening on/);
});

test("serve with a misspelled model: the did-you-mean is a hint line, as `run` prints it", { timeout: 60_000 }, async () => {
  const typo = await serveToEnd(["oracel", "--port", "0"]);
  assert.equal(typo.exitCode, 2, String(typo.stderr));
  assert.match(String(typo.stderr), /^error\[MS5102\]: model oracel:latest not found in the store\nhint: did you mean `oracle:latest`\?$/m);
  assert.ok(!hasStackTrace(String(typo.stderr)), String(typo.stderr));
  assert.doesNotMatch(String(typo.stderr), /listening on/);
  assert.equal(String(typo.stdout), "");
});

test("serve on a port already taken: exit 3, error[MS8701], no stack trace", { timeout: 60_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  try {
    const port = (taken.address() as { port: number }).port;
    const r = await serveToEnd(["--port", String(port), "--host", "127.0.0.1"]);
    assert.equal(r.exitCode, 3, String(r.stderr));
    assert.match(String(r.stderr), /^error\[MS8701\]: /m);
    assert.ok(!hasStackTrace(String(r.stderr)), String(r.stderr));
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

test("SIGTERM during a stream: new connections refused at once, the stream cancelled after --shutdown-grace with an error line, exit 0 within grace + 1 s", { timeout: 90_000 }, async () => {
  let s: Serving | undefined;
  try {
    s = serve(["--port", "0", "--host", "127.0.0.1", "--shutdown-grace", "2"]);
    const url = await listeningUrl(s);
    // num_predict -1 on an oracle without EOS: it runs to its cap (40,960 tokens), far past the grace.
    const res = await fetch(`${url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "endless", prompt: "The quick brown", options: { num_predict: -1 } }) });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    const rest = (async () => {
      for (;;) {
        const part = await reader.read();
        if (part.done) return text;
        text += decoder.decode(part.value);
      }
    })();
    const signalled = Date.now();
    s.child.kill("SIGTERM");
    let refused = false;
    while (!refused && Date.now() - signalled < 1500) {
      refused = await fetch(`${url}/api/version`).then(() => false, (err: { cause?: { code?: string } }) => err.cause?.code === "ECONNREFUSED");
    }
    assert.ok(refused, "a new connection is refused while the stream runs on");
    const exit = await s.exited;
    const elapsed = Date.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null }, s.stderr());
    assert.ok(elapsed >= 2000 && elapsed < 3000, `exited ${elapsed} ms after SIGTERM (grace 2 s)`);
    const lines = (await rest).trimEnd().split("\n").map((l) => JSON.parse(l) as { response?: string; error?: string });
    assert.ok(lines.length > 2, "tokens kept coming during the grace period");
    assert.deepEqual(lines.at(-1), { error: "the server is shutting down" });
    assert.ok(!hasStackTrace(s.stderr()), s.stderr());
  } finally {
    reap(s);
  }
});
