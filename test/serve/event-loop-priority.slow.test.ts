import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { randomLlama } from "../../src/testmodels/index.js";
import { shimFile } from "../../src/runtime/threadpool.js";
import { fromRoot } from "../helpers/paths.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { storeModel, tempStore } from "../runtime/store-model.js";

// `serve` opens its models with busyEventLoop: on CPU with more than one
// thread the event loop thread drops to nice 19 even with the CLI's one-thread
// libuv pool, because it writes each token to a client just as the next decode
// starts its compute thread (src/runtime/open-model.ts, lowerEventLoopPriority;
// measured in bench/serve.ts). `run` and `test` (no busyEventLoop) keep their
// priority. Each case runs in a child process: nice is permanent for a thread.
// All of that is the fallback without the thread pool library
// (MODELSMITH_THREADPOOL=0 here): with a persistent ggml pool per context
// there is no per-decode thread to misplace, and the loop keeps its priority
// (docs/decisions.md, "A thread pool per context").

const run = promisify(execFile);
let env: Awaited<ReturnType<typeof tempStore>>;

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "tiny", { gguf: randomLlama(TINY_RANDOM), params: { num_ctx: 256 } });
});
after(() => env?.cleanup());

/** The event loop thread's nice after opening "tiny" in a child with a one-thread pool. */
async function niceAfterOpen(options: Record<string, unknown>, extraEnv: Record<string, string> = { MODELSMITH_THREADPOOL: "0" }): Promise<number> {
  const script = `
    const { openModel } = await import(${JSON.stringify(fromRoot("dist/src/runtime/index.js"))});
    const { getPriority } = await import("node:os");
    const m = await openModel(${JSON.stringify(env.root)}, "tiny", ${JSON.stringify({ gpu: false, ...options })});
    process.stdout.write(String(getPriority()));
    await m.close();`;
  // A file, not `-e`: node-llama-cpp tests its binary in a child that inherits execArgv.
  const file = path.join(env.root, "open.mjs");
  writeFileSync(file, script);
  const { stdout } = await run(process.execPath, [file], { env: { ...process.env, UV_THREADPOOL_SIZE: "1", ...extraEnv } });
  return Number(stdout);
}

test("without the thread pool library, a server's model (busyEventLoop, 2 threads) lowers the event loop to nice 19 with a one-thread pool", async () => {
  assert.equal(await niceAfterOpen({ threads: 2, busyEventLoop: true }), 19);
});

test("without busyEventLoop (run, test) or with one thread, the priority stays", async () => {
  assert.equal(await niceAfterOpen({ threads: 2 }), 0);
  assert.equal(await niceAfterOpen({ threads: 1, busyEventLoop: true }), 0);
});

test("with the thread pool library loaded, a server's 2-thread model keeps the event loop's priority", { skip: !existsSync(shimFile()) && "the thread pool library was not built here (no C compiler)" }, async () => {
  assert.equal(await niceAfterOpen({ threads: 2, busyEventLoop: true }, {}), 0);
});
