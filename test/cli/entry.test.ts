import assert from "node:assert/strict";
import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fromRoot } from "../helpers/paths.js";

const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-entry-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// Preloaded before bin/modelsmith.js: on exit, prints how many threads the process has.
const preload = path.join(dir, "threads.cjs");
writeFileSync(preload, `process.on("exit", () => process.stderr.write("threads=" + require("fs").readdirSync("/proc/self/task").length + "\\n"));\n`);

async function threadsOf(env: Record<string, string | undefined>): Promise<number> {
  // `ls` on an empty store: the ES modules it loads go through libuv's thread pool, so the pool starts.
  const r = await execa(process.execPath, ["--require", preload, fromRoot("bin/modelsmith.js"), "ls"], {
    env: { ...process.env, CI: "1", NO_COLOR: "1", MODELSMITH_HOME: path.join(dir, "home"), ...env },
    extendEnv: false,
    reject: false,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const m = /^threads=(\d+)$/m.exec(r.stderr);
  assert.ok(m, r.stderr);
  return Number(m[1]);
}

test("the CLI starts libuv's thread pool with one thread, unless UV_THREADPOOL_SIZE says otherwise", { skip: process.platform !== "linux" && "counts threads in /proc/self/task (Linux)" }, async () => {
  const ours = await threadsOf({ UV_THREADPOOL_SIZE: undefined });
  const four = await threadsOf({ UV_THREADPOOL_SIZE: "4" });
  const six = await threadsOf({ UV_THREADPOOL_SIZE: "6" });
  assert.equal(six - four, 2, "the count moves with the pool");
  assert.equal(four - ours, 3, `one pool thread by default (threads: ${ours} default, ${four} with 4)`);
});
