/**
 * `modelsmith serve` lowers its event loop to nice 19 once a runner decodes on
 * the CPU with more than one thread (the loop wakes for every token, just as
 * the runner's next decode starts its compute thread), and yet every runner
 * starts at the priority the server started with: runners are started by the
 * spawner thread (src/serve/runner/spawner.ts), which keeps nice 0, and Linux
 * keeps nice per thread (setpriority(2), "NOTES": "a call to setpriority()
 * with PRIO_PROCESS and a zero `who` affects only the calling thread"; a forked
 * child copies the nice of the thread that forked it). Before the spawner, a
 * runner forked by the lowered loop ran all its threads at nice 19.
 * The CLI as a subprocess, real runners, the priorities read from /proc.
 * All of this is the fallback without the thread pool library
 * (MODELSMITH_THREADPOOL=0 below): with a persistent ggml pool per context no
 * loop lowers itself (docs/decisions.md, "A thread pool per context"), as the
 * last test pins.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { shimFile } from "../../src/runtime/threadpool.js";
import { fromRoot } from "../helpers/paths.js";
import { CYCLING_SPEC, oracleText, serveEnv, type ServeEnv } from "./helpers.js";
import { oracleLlama } from "../../src/testmodels/index.js";

const linux = process.platform === "linux";

/** The nice value of thread `tid` of process `pid` (/proc/<pid>/task/<tid>/stat, field 19). */
function niceOf(pid: number, tid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}
const threadsOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);
/** Which thread of `pid` started each of its child processes (/proc/<pid>/task/<tid>/children). */
function starters(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of threadsOf(pid)) for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) out.set(Number(c), tid);
  return out;
}

let env: ServeEnv;
const servers: ChildProcess[] = [];

/** `modelsmith serve` over the test store, with `extraEnv`: its process and URL. */
async function serve(extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "serve", "--port", "0", "--host", "127.0.0.1"], {
    cwd: fromRoot(),
    env: { ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: env.root, ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"],
  });
  servers.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let url = "";
  for (let i = 0; i < 1200 && !url; i++) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? "";
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(url, stderr);
  return { child, url };
}

before(async () => {
  if (!linux) return;
  // Two models (two runners), each decoding on 2 threads: what makes a runner, and then the server, lower their event loops.
  const params = { temperature: 0, num_ctx: 512, num_thread: 2 };
  env = await serveEnv({ first: { gguf: oracleLlama(CYCLING_SPEC), params: { ...params, num_predict: 6 } }, second: { gguf: oracleLlama(CYCLING_SPEC), params: { ...params, num_predict: 7 } } });
});
after(async () => {
  for (const child of servers) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  await env?.cleanup();
});

async function generate(url: string, model: string, prompt: string): Promise<string> {
  const res = await fetch(`${url}/api/generate`, { method: "POST", body: JSON.stringify({ model, prompt, stream: false }) });
  const body = (await res.json()) as { response?: string; error?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.response!;
}

test("MODELSMITH_SERVE_LOWER_LOOP=1: after a 2-thread CPU runner, serve's event loop is at nice 19, and the next runner still starts at nice 0 (from the spawner thread)", { timeout: 90_000, skip: !linux && "nice per thread and /proc: Linux" }, async () => {
  const { child, url } = await serve({ MODELSMITH_SERVE_LOWER_LOOP: "1", MODELSMITH_THREADPOOL: "0" });
  const pid = child.pid!;
  assert.equal(niceOf(pid, pid), 0, "the server starts at nice 0");
  assert.equal(await generate(url, "first", "The quick brown"), oracleText("The quick brown", 6));
  assert.equal(niceOf(pid, pid), 19, "the event loop lowered itself once the first runner decoded on 2 CPU threads");

  assert.equal(await generate(url, "second", "The lazy"), oracleText("The lazy", 7));
  const runners = starters(pid);
  assert.equal(runners.size, 2, `two runners, one per model: ${[...runners.keys()].join(", ")}`);
  for (const [runner, starter] of runners) {
    assert.notEqual(starter, pid, "a runner is started by the spawner thread, not by the event loop");
    assert.equal(niceOf(pid, starter), 0, "the spawner thread keeps nice 0");
    // The runner's own event loop lowered itself as the server's did; every other thread (libuv's pool, where llama.cpp decodes) kept the nice it started with.
    assert.equal(niceOf(runner, runner), 19, `runner ${runner}'s event loop`);
    const others = threadsOf(runner).filter((tid) => tid !== runner);
    assert.ok(others.length > 0);
    for (const tid of others) assert.equal(niceOf(runner, tid), 0, `runner ${runner}'s thread ${tid} starts at nice 0`);
  }
});

test("without the thread pool library the runner lowers its own event loop, serve's stays at nice 0", { timeout: 90_000, skip: !linux && "nice per thread and /proc: Linux" }, async () => {
  const { child, url } = await serve({ MODELSMITH_THREADPOOL: "0" });
  const pid = child.pid!;
  assert.equal(await generate(url, "first", "The quick brown"), oracleText("The quick brown", 6));
  assert.equal(niceOf(pid, pid), 0);
  const [runner] = [...starters(pid).keys()];
  assert.ok(runner);
  assert.equal(niceOf(runner, runner), 19, "the runner's event loop still lowered itself");
});

test("with the thread pool library, neither the runner's event loop nor serve's is lowered", { timeout: 90_000, skip: (!linux && "nice per thread and /proc: Linux") || (!existsSync(shimFile()) && "the thread pool library was not built here (no C compiler)") }, async () => {
  const { child, url } = await serve({ MODELSMITH_SERVE_LOWER_LOOP: "1" });
  const pid = child.pid!;
  assert.equal(await generate(url, "first", "The quick brown"), oracleText("The quick brown", 6));
  const [runner] = [...starters(pid).keys()];
  assert.ok(runner);
  assert.equal(niceOf(runner, runner), 0, "the runner's event loop keeps nice 0");
  assert.equal(niceOf(pid, pid), 0, "so serve's never lowers either, even when asked to follow");
});
