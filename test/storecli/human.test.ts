import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goFixed, humanAge, humanBytes, humanNumber, parseDuration, renderColumns } from "../../src/inspect/index.js";
import { ModelsmithError } from "../../src/diagnostics/index.js";

// Expected values are what Ollama's Go functions print for the same inputs.
describe("Ollama-style formatting", () => {
  it("humanBytes: decimal units, truncated from 10, one decimal below unless whole", () => {
    const cases: Array<[number, string]> = [
      [0, "0 B"],
      [999, "999 B"],
      [1000, "1 KB"],
      [1015, "1.0 KB"],
      [1500, "1.5 KB"],
      [9_999, "10.0 KB"],
      [10_999, "10 KB"],
      [450_000, "450 KB"],
      [7_323_200, "7.3 MB"],
      [4_661_224_676, "4.7 GB"],
      [40_000_000_000, "40 GB"],
      [2_000_000_000_000, "2 TB"],
    ];
    for (const [n, s] of cases) assert.equal(humanBytes(n), s, String(n));
  });

  it("humanNumber: B with one decimal, M with two, K rounded", () => {
    const cases: Array<[number, string]> = [
      [999, "999"],
      [12_345, "12K"],
      [12_500, "12K"], // %.0f of an exact tie rounds to even
      [1_828_352, "1.83M"],
      [135_000_000, "135M"],
      [7_241_732_096, "7.2B"],
      [8_000_000_000, "8B"],
      [70_553_706_496, "70.6B"],
    ];
    for (const [n, s] of cases) assert.equal(humanNumber(n), s, String(n));
  });

  it("goFixed rounds exact ties to even, like Go's %.Nf", () => {
    assert.equal(goFixed(2.25, 1), "2.2");
    assert.equal(goFixed(2.75, 1), "2.8");
    assert.equal(goFixed(0.125, 2), "0.12");
    assert.equal(goFixed(2.35, 1), "2.4"); // 2.35 is a little above the tie in binary
    assert.equal(goFixed(1.5, 0), "2");
    assert.equal(goFixed(2.5, 0), "2");
  });

  it("humanAge: go-units HumanDuration + ago", () => {
    const now = 1_700_000_000_000;
    const cases: Array<[number, string]> = [
      [500, "Less than a second ago"],
      [1000, "1 second ago"],
      [59_000, "59 seconds ago"],
      [60_000, "About a minute ago"],
      [30 * 60_000, "30 minutes ago"],
      [3_600_000, "About an hour ago"],
      [47 * 3_600_000, "47 hours ago"],
      [3 * 86_400_000, "3 days ago"],
      [20 * 86_400_000, "2 weeks ago"],
      [90 * 86_400_000, "3 months ago"],
      [800 * 86_400_000, "2 years ago"],
    ];
    for (const [ago, s] of cases) assert.equal(humanAge(now - ago, now), s, String(ago));
  });

  it("parseDuration: number and unit, or 0; MS5305 otherwise", () => {
    assert.equal(parseDuration("0", "--grace"), 0);
    assert.equal(parseDuration("90s", "--grace"), 90_000);
    assert.equal(parseDuration("1.5h", "--grace"), 5_400_000);
    assert.equal(parseDuration("2d", "--grace"), 172_800_000);
    assert.equal(parseDuration("250ms", "--grace"), 250);
    for (const bad of ["5x", "h", "", "-1h", "10"]) {
      assert.throws(() => parseDuration(bad, "--grace"), (e: unknown) => e instanceof ModelsmithError && e.kind === "input" && e.diagnostics[0]!.code === "MS5305", bad);
    }
  });

  it("renderColumns pads every column but the last and trims line ends", () => {
    assert.equal(renderColumns([["NAME", "ID"], ["a-long-name", "x"], ["b", ""]], { indent: "  " }), "  NAME           ID\n  a-long-name    x\n  b\n");
  });
});
