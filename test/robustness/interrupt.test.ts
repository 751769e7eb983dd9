/**
 * Issue 8, items 2, 3 and 11: `build` stopped by a signal while it quantizes.
 *
 * - However the CLI dies (SIGKILL included), its quantizer process dies with
 *   it within 2 s: a scan of every process carrying the test's mark finds none;
 *   an orphaned quantizer removes its partial output first.
 * - SIGINT, SIGTERM, SIGHUP: one line, `interrupted`, exit 130/143/129, no
 *   temp file, lease or lock left behind.
 * - After each, `verify` passes. (kill.test.ts: the next build removes the
 *   partial output of a build killed with its quantizer, at once.)
 *
 * No timing assumption: the signal is sent once the build has printed a
 * quantization progress line, and the quantizer is frozen (SIGSTOP) first,
 * so it cannot finish before the signal lands; it is let go (SIGCONT) once the
 * CLI has ended.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { hasStackTrace } from "../helpers/cli.js";
import { processesLeft, processesMarked, quantizerOf, startCli } from "../helpers/processes.js";
import { ms, project } from "./helpers.js";

/** A random F16 llama (2 layers, 21 tensors, ~50 MB). */
const FILES = {
  "modelsmith.yaml": "models:\n  big:\n    modelfile: Modelfile\n    quantize: [Q4_K_M]\n",
  Modelfile: "FROM testmodel://random?embd=1024&layers=2&heads=8&ff=2816&vocab=1000&type=f16\n",
};

const EXIT: Record<string, number | string> = { SIGKILL: "SIGKILL", SIGTERM: 143, SIGINT: 130, SIGHUP: 129 };

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe("build interrupted while quantizing", { skip: process.platform !== "linux" ? "scans /proc" : false }, () => {
  let dir: string;
  let home: string;
  const marks: string[] = [];
  const cleanups: Array<() => void> = [];
  before(() => {
    // project() removes its directory when the context ends; this suite's own after() stands in for it.
    ({ dir, home } = project({ after: (fn: () => void) => cleanups.push(fn) } as never, FILES));
  });
  after(() => {
    for (const mark of marks) for (const p of processesMarked(mark)) process.kill(p.pid, "SIGKILL");
    for (const fn of cleanups) fn();
  });

  for (const signal of ["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal}: no process of ours left after 2 s, ${signal === "SIGKILL" ? "the orphan removes its partial output" : "`interrupted`, nothing left behind"}, verify clean`, async () => {
      const run = startCli(["build", "--no-test"], { cwd: dir, env: { MODELSMITH_HOME: home } });
      marks.push(run.mark);
      await run.untilLine(/^quantize big Q4_K_M: \d+\/\d+ tensors$/m);
      const quantizer = quantizerOf(run.mark);
      assert.ok(quantizer, `the quantizer process runs: ${JSON.stringify(processesMarked(run.mark))}`);
      process.kill(quantizer, "SIGSTOP");
      process.kill(run.pid, signal);
      assert.equal(await run.exited, EXIT[signal], run.stderr());
      // Let it run again: an orphan must end itself (a killed one is gone already).
      try {
        process.kill(quantizer, "SIGCONT");
      } catch {
        // killed by its parent
      }
      assert.deepEqual(await processesLeft(run.mark, 2000), [], "no process of ours is left 2 s after the CLI ended");

      const tmp = files(path.join(home, "tmp"));
      if (signal === "SIGKILL") {
        // Nothing ran in the CLI; the orphaned quantizer removed its partial output before it died.
        assert.deepEqual(tmp.filter((f) => f.endsWith(".partial")), [], tmp.join(", "));
      } else {
        // Every earlier interrupted build's leftovers are gone too: the next build removed them.
        assert.equal(run.stderr().split("\n").filter((l) => l === "interrupted").length, 1, run.stderr());
        assert.ok(run.stderr().endsWith("\ninterrupted\n"), run.stderr());
        assert.doesNotMatch(run.stderr(), /✖|internal error/);
        assert.equal(hasStackTrace(run.stderr()), false);
        assert.deepEqual(tmp, [], "no temp file left");
        assert.deepEqual(files(path.join(home, "writers")), [], "no writer lease left");
        assert.equal(existsSync(path.join(home, "store.lock")), false, "no lock left");
      }
      const verify = await ms(home, dir, "verify");
      assert.equal(verify.exitCode, 0, verify.stdout + verify.stderr);
      assert.equal(existsSync(path.join(home, "manifests")), false, "no model was written");
    });
  }
});
