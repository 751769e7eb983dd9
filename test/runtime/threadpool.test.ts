import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { BatchTrace } from "../../src/runtime/trace.js";
import { shimFile } from "../../src/runtime/threadpool.js";
import { oracleTraceProject } from "./trace-project.js";

// The thread pool per llama.cpp context (src/runtime/native/threadpool.c):
// llama.cpp's own tools attach a persistent ggml pool to each context
// (common/common.cpp, common_threadpools::init -> llama_attach_threadpool,
// https://github.com/ggml-org/llama.cpp/blob/master/common/common.cpp as
// bundled with node-llama-cpp 3.21.1); node-llama-cpp's addon does not, so
// modelsmith interposes llama_init_from_model. Pinned through the CLI as a
// subprocess, with the batch trace saying how many contexts got a pool.

const compiler = (() => {
  try {
    execFileSync(process.env["CC"] || "cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const skip = process.platform !== "linux" ? "the library is Linux only" : !compiler ? "no C compiler here (cc), so npm run build made no library" : false;

describe("thread pool per context (CLI subprocess, oracle model on 2 threads)", { skip }, () => {
  let project: Awaited<ReturnType<typeof oracleTraceProject>>;

  before(async () => {
    project = await oracleTraceProject({ prompts: ["The quick", "brown fox", "jumps over", "the lazy dog."], tokens: 16, numThread: 2 });
  });
  after(() => project?.remove());

  async function testRun(env: Record<string, string>): Promise<{ trace: BatchTrace; outputs: string[] }> {
    const { trace, runs } = await project.test(["--parallel", "2"], env);
    return { trace, outputs: runs.map((x) => x.text) };
  }

  test("npm run build compiled the library for this node-llama-cpp", () => {
    assert.ok(existsSync(shimFile()), `${shimFile()} is missing`);
  });

  test("every decode runs on a persistent pool, with the same greedy text as without one", async () => {
    const pooled = await testRun({});
    const pool = pooled.trace.threadpool as { attached: number; live: number };
    assert.equal(pool.live, 1, `the model's context holds a pool: ${JSON.stringify(pool)}`);
    assert.ok(pool.attached >= 1 && pool.attached <= 2, `node-llama-cpp's createContext makes at most two contexts: ${JSON.stringify(pool)}`);
    assert.ok((pooled.trace.threads["2"] ?? 0) > 0, `decodes on 2 threads: ${JSON.stringify(pooled.trace.threads)}`);
    const bare = await testRun({ MODELSMITH_THREADPOOL: "0" });
    assert.deepEqual(bare.trace.threadpool, { reason: "MODELSMITH_THREADPOOL=0" });
    assert.equal(pooled.outputs.length, 4);
    assert.ok(pooled.outputs.every((o) => o.length > 0), JSON.stringify(pooled.outputs));
    assert.deepEqual(pooled.outputs, bare.outputs, "the pool changes who computes, not what");
  });
});
