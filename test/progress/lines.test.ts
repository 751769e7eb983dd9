import assert from "node:assert/strict";
import { test } from "node:test";
import { lineActivities, QUIET_MS } from "../../src/progress/lines.js";
import { bar, describeFinished, describeProgress, shortDuration } from "../../src/progress/format.js";

test("line activities: a line at the start, each further 10% after the quiet first second, every 5 s without news, and the end", () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const a = lineActivities((l) => lines.push(l), 5000, () => now).begin("download x.gguf", "bytes");
  a.update(5_000_000, 10_000_000); // 50% within the first second: no line
  now += QUIET_MS;
  a.update(6_000_000); // 60%, past the first second: a line
  a.update(6_500_000); // same decile: none
  now += 5000;
  a.update(6_600_000); // 5 s since the last line: a line
  a.update(10_000_000); // 100% is said by the end line
  now += 400;
  a.end();
  assert.deepEqual(lines, [
    "download x.gguf: started",
    "download x.gguf:  60% 6 MB/10 MB, 6 MB/s, ETA 1s",
    "download x.gguf:  66% 6.6 MB/10 MB, 1.1 MB/s, ETA 4s",
    "download x.gguf: done, 10 MB in 6.4s (1.6 MB/s)",
  ]);
});

test("line activities: a failed one says so, once", () => {
  const lines: string[] = [];
  const a = lineActivities((l) => lines.push(l)).begin("generate testmodel://oracle", "bytes");
  a.end(true);
  a.end();
  assert.deepEqual(lines, ["generate testmodel://oracle: started", "generate testmodel://oracle: failed"]);
});

test("format: bars, durations, tensors, and no rate before a second of history", () => {
  assert.equal(bar(0.5, 10), "[█████░░░░░]");
  assert.equal(bar(2, 4), "[████]");
  assert.equal(shortDuration(61_000), "1m1s");
  assert.equal(shortDuration(3_725_000), "1h2m");
  assert.equal(describeProgress({ label: "q", unit: "tensors", done: 3, total: 12, started: 0 }, 10), " 25% 3/12 tensors");
  assert.equal(describeProgress({ label: "d", unit: "bytes", done: 1500, started: 0 }, 500), "1.5 KB");
  assert.equal(describeFinished({ label: "q", unit: "tensors", done: 12, total: 12, started: 0 }, 3000), "12 tensors in 3.0s");
});
