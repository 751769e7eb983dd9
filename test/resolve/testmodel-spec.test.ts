import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseReference, type TestModelReference } from "../../src/resolve/reference.js";
import { testModelSpec } from "../../src/resolve/testmodel-spec.js";
import { oracleLlama } from "../../src/testmodels/oracleLlama.js";
import { randomLlama } from "../../src/testmodels/randomLlama.js";

const ref = (text: string) => parseReference(text).reference as TestModelReference;

describe("testModelSpec", () => {
  it("maps testmodel://random parameters onto the generator's spec", () => {
    const spec = testModelSpec(ref("testmodel://random?embd=512&layers=3&heads=8&kv=2&ff=1024&vocab=300&ctx=256&seed=9&type=f16"));
    assert.deepEqual(spec, { kind: "random", name: "random", nEmbd: 512, nLayer: 3, nHead: 8, nHeadKv: 2, nFf: 1024, vocabSize: 300, contextLength: 256, seed: 9, tensorType: "F16" });
    assert.equal(spec.kind, "random");
    // Every shape the parser accepts, the generator accepts too.
    if (spec.kind === "random") assert.equal(randomLlama(spec).tensors.length, 3 + 9 * 3);
  });

  it("maps testmodel://oracle parameters onto the generator's spec", () => {
    const spec = testModelSpec(ref("testmodel://oracle?text=one+two+three&eos=true&ff=128"));
    assert.deepEqual(spec, { kind: "oracle", name: "oracle", text: "one two three", endWithEos: true, nLayer: 1, nFf: 128, contextLength: 2048, tensorType: "F32" });
    if (spec.kind === "oracle") assert.equal(oracleLlama(spec).tensors.length, 3 + 9);
  });
});
