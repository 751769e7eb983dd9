/**
 * Issue 8, item 11: `modelsmith run … | head` ends quietly. The reader of
 * stdout goes away while the model is still generating (4,000 tokens): the
 * CLI stops at its next write, with exit 0 and nothing on stderr (no EPIPE
 * stack), and leaves no process behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fromRoot } from "../helpers/paths.js";
import { processesLeft } from "../helpers/processes.js";
import { ms, project } from "./helpers.js";

test("run whose stdout reader goes away (| head): exit 0, nothing on stderr", async (t) => {
  const { dir, home } = project(t, {
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n",
    Modelfile: "FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_predict 4000\nPARAMETER num_ctx 4096\nPARAMETER num_thread 1\n",
  });
  assert.equal((await ms(home, dir, "build", "--no-test")).exitCode, 0);
  const mark = `epipe-${process.pid}`;
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), "run", "fox", "The quick brown"], {
    cwd: dir,
    env: { ...process.env, MODELSMITH_HOME: home, CI: "1", NO_COLOR: "1", MODELSMITH_TEST_MARK: mark },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  // As `head -c 10` does: read the first piece, then close the pipe.
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | string | null>((resolve) => child.on("close", (c, s) => resolve(s ?? c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.deepEqual(await processesLeft(mark, 2000), []);
});
