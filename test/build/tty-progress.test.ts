import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { havePty, runOnPty } from "../helpers/pty.js";
import { replayTerminal } from "../helpers/screen.js";
import { oracleBytes } from "../sources/helpers.js";
import { fileServer } from "../sources/servers.js";

const SPIN = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /;
const stepLine = /^. (quantize|assemble) /;

/** The step lines of a screen: `✔ quantize m Q8_0 (0.4s)` and the like. */
const steps = (screen: string[]) => screen.filter((l) => stepLine.test(l));

/** The frames a renderer drew: the raw output cut where it moved the cursor up to redraw. */
const frames = (raw: string) => raw.split(/\x1b\[\d+A\r\x1b\[0J/).map((f) => replayTerminal(f));

test("build on a terminal: a download bar, each step once with its own status, one spinner at a time with -j 1", { skip: !havePty() && "needs util-linux `script` for a pseudo-terminal" }, async (t) => {
  const files = await fileServer(t, { "/oracle.gguf": await oracleBytes() });
  const url = `${files.url}/oracle.gguf`;
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  base:\n    modelfile: base/Modelfile\n    quantize: [Q8_0, Q4_0]\n  chat:\n    modelfile: chat/Modelfile\n",
    "base/Modelfile": `FROM ${url}\nPARAMETER num_predict 6\n`,
    "chat/Modelfile": "FROM base\nSYSTEM You are terse.\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { MODELSMITH_HOME: path.join(dir, ".home") };

  const fresh = await runOnPty(["build", "--no-test", "-j", "1", "-C", dir], { env });
  const screen = replayTerminal(fresh.output);
  assert.equal(fresh.exitCode, 0, screen.join("\n"));
  // The download: its bar, finished, on a line of its own (the unpinned URL is downloaded while resolving).
  assert.ok(screen.some((l) => l.startsWith(`✔ download ${url} [${"█".repeat(20)}]`)), screen.join("\n"));
  const expected = ["quantize base Q8_0", "assemble base:q8_0, base:latest", "quantize base Q4_0", "assemble base:q4_0", "assemble chat:latest"];
  const shown = steps(screen);
  assert.deepEqual(
    shown.map((l) => l.replace(/ \(\d+\.\ds\)$/, "")),
    expected.map((s) => `✔ ${s}`),
    `each step once, built (not "cached") on a fresh store:\n${screen.join("\n")}`,
  );
  for (const f of frames(fresh.output)) {
    assert.ok(steps(f).filter((l) => SPIN.test(l)).length <= 1, `with -j 1 at most one step spins:\n${f.join("\n")}`);
  }
  assert.match(screen.join("\n"), /built 2 models \(4 tags, 5 steps run\)/);

  const again = await runOnPty(["build", "--no-test", "-C", dir], { env });
  const second = replayTerminal(again.output);
  assert.equal(again.exitCode, 0, second.join("\n"));
  assert.deepEqual(steps(second), expected.map((s) => `↓ ${s} (cached)`), second.join("\n"));
  assert.ok(!second.some((l) => l.includes("download")), "nothing downloaded again");
});
