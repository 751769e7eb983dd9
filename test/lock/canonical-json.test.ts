import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalJSON, digestOf } from "../../src/lock/canonical-json.js";

describe("canonicalJSON", () => {
  it("sorts keys by code unit at every depth and writes no whitespace", () => {
    assert.equal(canonicalJSON({ b: 1, a: [{ z: true, y: null }, "s"], A: { "é": 1, e: 2 }, "10": 0, "9": 0 }), '{"10":0,"9":0,"A":{"e":2,"é":1},"a":[{"y":null,"z":true},"s"],"b":1}');
  });

  it("writes numbers and strings as JSON.stringify does", () => {
    assert.equal(canonicalJSON([-0, 1e21, 0.1, 1.5e-7, "\u2028\n\"\\", "\ud800"]), '[0,1e+21,0.1,1.5e-7,"\u2028\\n\\"\\\\","\\ud800"]');
  });

  it("leaves out undefined properties, as JSON does", () => {
    assert.equal(canonicalJSON({ a: undefined, b: 1 }), '{"b":1}');
  });

  it("refuses what JSON cannot hold faithfully", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, [undefined], NaN, { x: Infinity }, () => 1, 1n, Symbol("s"), new Map(), new Date(0), cyclic, [1, , 2]]) {
      assert.throws(() => canonicalJSON(bad), TypeError, String(bad));
    }
  });

  it("accepts a shared (not cyclic) object twice", () => {
    const shared = { k: 1 };
    assert.equal(canonicalJSON([shared, { s: shared }]), '[{"k":1},{"s":{"k":1}}]');
  });

  it("parses back to the same value, ignores key order, and is a fixed point", () => {
    // Reversing insertion order changes what JSON.stringify writes (except for integer-like keys, which JS always puts first).
    const reverseDeep = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseDeep) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).reverse().map((k) => [k, reverseDeep((v as Record<string, unknown>)[k])])) : v;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJSON(v);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
        assert.equal(canonicalJSON(reverseDeep(v)), text);
        assert.equal(canonicalJSON(JSON.parse(text)), text);
      }),
      { numRuns: 500, seed: 5 },
    );
  });
});

describe("digestOf", () => {
  it("is the sha256 of the canonical text, independent of key order", () => {
    assert.equal(digestOf({}), "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    assert.equal(digestOf({ from: "sha256:00", params: { temperature: 0.2, stop: ["a"] } }), digestOf({ params: { stop: ["a"], temperature: 0.2 }, from: "sha256:00" }));
    assert.notEqual(digestOf({ a: [1, 2] }), digestOf({ a: [2, 1] }));
    assert.match(digestOf("x"), /^sha256:[0-9a-f]{64}$/);
  });
});
