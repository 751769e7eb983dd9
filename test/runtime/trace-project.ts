import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BatchTrace } from "../../src/runtime/trace.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** The batch trace line (MODELSMITH_TRACE=batches) a CLI run printed on stderr. */
export function traceOf(stderr: string): BatchTrace {
  const line = stderr.split("\n").find((l) => l.startsWith("modelsmith trace batches "));
  assert.ok(line, `no trace line on stderr:\n${stderr}`);
  return JSON.parse(line.slice(line.indexOf("{"))) as BatchTrace;
}

/**
 * A project of one model, the oracle without EOS (every case generates
 * exactly `tokens` tokens), with one raw case per prompt, built with the CLI
 * into a temp store: `test(args, env)` runs `modelsmith test --no-cache
 * --reporter json` there with the batch trace on; `remove()` deletes both.
 */
export async function oracleTraceProject(o: { prompts: string[]; tokens: number; numThread: number }) {
  const home = mkdtempSync(path.join(tmpdir(), "modelsmith-trace-home-"));
  const cases = o.prompts.map((p) => `  - prompt: ${JSON.stringify(p)}\n    raw: true\n    options: {num_predict: ${o.tokens}}\n    assert: [{type: regex, value: "."}]\n`);
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: tests.yaml\n",
    Modelfile: `FROM testmodel://oracle?eos=false\nPARAMETER temperature 0\nPARAMETER num_ctx 256\nPARAMETER num_thread ${o.numThread}\n`,
    "tests.yaml": `tests:\n${cases.join("")}`,
  });
  const built = await runCli(["build", "--no-test"], { cwd: dir, env: { MODELSMITH_HOME: home } });
  assert.equal(built.exitCode, 0, built.stderr);
  return {
    async test(args: string[], env: Record<string, string> = {}): Promise<{ trace: BatchTrace; runs: { text: string; completionTokens: number }[] }> {
      const r = await runCli(["test", "--no-cache", ...args, "--reporter", "json"], { cwd: dir, env: { MODELSMITH_HOME: home, MODELSMITH_TRACE: "batches", ...env } });
      assert.equal(r.exitCode, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { cases: { runs: { text: string; completionTokens: number }[] }[] };
      return { trace: traceOf(r.stderr), runs: report.cases.flatMap((c) => c.runs) };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
