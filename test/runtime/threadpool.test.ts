import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { BatchTrace } from "../../src/runtime/trace.js";
import { shimFile } from "../../src/runtime/threadpool.js";
import { runCli, tempProject } from "../helpers/cli.js";

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

function traceOf(stderr: string): BatchTrace {
  const line = stderr.split("\n").find((l) => l.startsWith("modelsmith trace batches "));
  assert.ok(line, `no trace line on stderr:\n${stderr}`);
  return JSON.parse(line.slice(line.indexOf("{"))) as BatchTrace;
}

describe("thread pool per context (CLI subprocess, oracle model on 2 threads)", { skip }, () => {
  let dir: string;
  let home: string;

  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "modelsmith-threadpool-home-"));
    const cases = ["The quick", "brown fox", "jumps over", "the lazy dog."].map((p) => `  - prompt: ${JSON.stringify(p)}\n    raw: true\n    options: {num_predict: 16}\n    assert: [{type: regex, value: "."}]\n`);
    dir = tempProject({
      "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
      Modelfile: "FROM testmodel://oracle?eos=false\nPARAMETER temperature 0\nPARAMETER num_ctx 256\nPARAMETER num_thread 2\n",
      "tests.yaml": `tests:\n${cases.join("")}`,
    });
    const built = await runCli(["build", "--no-test"], { cwd: dir, env: { MODELSMITH_HOME: home } });
    assert.equal(built.exitCode, 0, built.stderr);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  async function testRun(env: Record<string, string>): Promise<{ trace: BatchTrace; outputs: string[] }> {
    const r = await runCli(["test", "--no-cache", "--parallel", "2", "--reporter", "json"], { cwd: dir, env: { MODELSMITH_HOME: home, MODELSMITH_TRACE: "batches", ...env } });
    assert.equal(r.exitCode, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { cases: { runs: { text: string }[] }[] };
    return { trace: traceOf(r.stderr), outputs: report.cases.flatMap((c) => c.runs.map((x) => x.text)) };
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
