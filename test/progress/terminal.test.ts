import assert from "node:assert/strict";
import { test } from "node:test";
import type { Step } from "../../src/build/plan.js";
import { ttyProgress } from "../../src/build/tty-progress.js";
import { LiveRegion, terminalActivities } from "../../src/progress/terminal.js";
import { replayTerminal } from "../helpers/screen.js";

function fakeTerminal(columns = 80) {
  const t = { columns, raw: "", write: (s: string) => ((t.raw += s), true) };
  return t;
}

const quantize = (id: string, model: string, type: string) => ({ id, kind: "quantize", model, type, deps: [] }) as unknown as Step;
const assemble = (id: string, model: string, tag: string) => ({ id, kind: "assemble", names: [{ model, tag }], deps: [] }) as unknown as Step;

test("the step list after a failure: built, cached, failed, and not run, each once", async () => {
  const term = fakeTerminal();
  const region = new LiveRegion(term as unknown as NodeJS.WritableStream, 60_000);
  const steps = [quantize("q1", "m", "Q8_0"), assemble("a1", "m", "q8_0"), quantize("q2", "m", "Q4_0"), assemble("a2", "m", "q4_0")];
  const p = ttyProgress(region, false)(steps);
  p.event({ kind: "start", step: steps[0]! });
  p.event({ kind: "progress", step: steps[0]!, done: 3, total: 12 });
  region.log("--"); // draws a frame now, as the timer would
  const midway = replayTerminal(term.raw);
  assert.equal(midway[0], "--");
  assert.match(midway[1]!, /^⠋ quantize m Q8_0 \[█████░+\] 3\/12 tensors$/);
  assert.deepEqual(midway.slice(2), ["◻ assemble m:q8_0", "◻ quantize m Q4_0", "◻ assemble m:q4_0"]);
  p.event({ kind: "done", step: steps[0]!, cached: true, ms: 1 });
  p.event({ kind: "start", step: steps[1]! });
  p.event({ kind: "done", step: steps[1]!, cached: false, ms: 1234 });
  p.event({ kind: "start", step: steps[2]! });
  p.event({ kind: "failed", step: steps[2]!, error: new Error("x") });
  await p.close();
  assert.deepEqual(replayTerminal(term.raw), ["--", "↓ quantize m Q8_0 (cached)", "✔ assemble m:q8_0 (1.2s)", "✖ quantize m Q4_0: failed", "◻ assemble m:q4_0 (not run)"]);
});

test("a download's bar stays above the step list and its long label is cut in the middle; lines never wrap", () => {
  const term = fakeTerminal(60);
  const region = new LiveRegion(term as unknown as NodeJS.WritableStream, 60_000);
  const a = terminalActivities(region, false).begin(`download https://example.com/${"x".repeat(60)}/model.gguf`, "bytes");
  a.update(500, 1000);
  region.log("a log line");
  a.update(1000);
  a.end();
  const screen = replayTerminal(term.raw);
  assert.equal(screen[0], "a log line");
  assert.match(screen[1]!, /^✔ download https:\/\/example\.com\/x…x+\/model\.gguf \[█+/);
  assert.equal(screen.length, 2);
  for (const l of term.raw.split("\n")) assert.ok(l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace("\r", "").length <= 59, l);
});
