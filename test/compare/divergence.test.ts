import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { argmax, DivergenceMeter, FLOAT32_MIN, klDivergence } from "../../src/eval/compare/index.js";

const f = (...xs: number[]) => Float32Array.from(xs);
const close = (actual: number, expected: number, eps = 1e-7) => assert.ok(Math.abs(actual - expected) < eps, `${actual} != ${expected}`);

describe("klDivergence", () => {
  it("is 0 for identical distributions", () => {
    assert.equal(klDivergence(f(0.25, 0.25, 0.5), f(0.25, 0.25, 0.5)), 0);
  });
  it("is Σ p ln(p/q) in nats, P the reference", () => {
    // 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75)
    close(klDivergence(f(0.5, 0.5), f(0.25, 0.75)), 0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75));
    // Not symmetric: KL(Q || P) differs.
    close(klDivergence(f(0.25, 0.75), f(0.5, 0.5)), 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5));
  });
  it("skips tokens the reference gives 0, and counts a q that underflowed to 0 as FLOAT32_MIN", () => {
    close(klDivergence(f(0, 1), f(0.5, 0.5)), Math.log(2));
    close(klDivergence(f(0.5, 0.5), f(1, 0)), 0.5 * Math.log(0.5) + 0.5 * Math.log(0.5 / FLOAT32_MIN), 1e-5);
    assert.ok(Number.isFinite(klDivergence(f(0.5, 0.5), f(1, 0))));
  });
  it("never goes below 0 from float32 rounding", () => {
    assert.equal(klDivergence(f(0.3, 0.7), f(0.3000001, 0.7000001)), 0);
  });
  it("refuses distributions over different vocabularies", () => {
    assert.throws(() => klDivergence(f(1), f(0.5, 0.5)), RangeError);
  });
});

describe("argmax", () => {
  it("is the index of the largest value, the first on a tie", () => {
    assert.equal(argmax(f(0.1, 0.6, 0.3)), 1);
    assert.equal(argmax(f(0.4, 0.2, 0.4)), 0);
  });
});

describe("DivergenceMeter", () => {
  it("averages KL and counts top-1 agreement over positions", () => {
    const m = new DivergenceMeter();
    m.add(f(0.5, 0.5), f(0.5, 0.5));
    m.add(f(0.9, 0.1), f(0.4, 0.6));
    const r = m.result();
    assert.equal(r.positions, 2);
    close(r.meanKl, (0.9 * Math.log(0.9 / 0.4) + 0.1 * Math.log(0.1 / 0.6)) / 2);
    assert.equal(r.top1Agreement, 0.5);
  });
  it("with no positions: KL 0, agreement 1", () => {
    assert.deepEqual(new DivergenceMeter().result(), { positions: 0, meanKl: 0, top1Agreement: 1 });
  });
});
