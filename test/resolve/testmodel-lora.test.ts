import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatReference, parseReference, type TestModelReference } from "../../src/resolve/reference.js";
import { testModelSpec } from "../../src/resolve/testmodel-spec.js";
import { ORACLE_DEFAULTS } from "../../src/resolve/testmodel-ref.js";
import { LORA_DEFAULT_SAY } from "../../src/testmodels/lora.js";

const parse = (text: string) => parseReference(text);
const codes = (text: string) => parse(text).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("testmodel://lora", () => {
  it("defaults to an adapter for the default oracle, written out in full", () => {
    const r = parse("testmodel://lora").reference as TestModelReference;
    assert.equal(r.generator, "lora");
    assert.deepEqual(r.params, { text: ORACLE_DEFAULTS.text, eos: ORACLE_DEFAULTS.eos, say: LORA_DEFAULT_SAY });
    const canonical = formatReference(r);
    assert.equal(canonical, `testmodel://lora?text=The+quick+brown+fox+jumps+over+the+lazy+dog.&eos=${ORACLE_DEFAULTS.eos}&say=The+lazy+fox+jumps+over+the+quick+brown+dog.`);
    assert.deepEqual(parse(canonical).reference, r, "the canonical text parses back to the same reference");
  });

  it("maps onto the LoRA generator's spec for the oracle of the same text and eos", () => {
    const r = parse("testmodel://lora?text=one+two+three+four&eos=true&say=one+three+two+four").reference as TestModelReference;
    assert.deepEqual(testModelSpec(r), { kind: "lora", base: { name: "oracle", text: "one two three four", endWithEos: true }, lora: { text: "one three two four" } });
  });

  it("refuses a `say` that is not words of the oracle's text, or that changes nothing", () => {
    assert.match(codes("testmodel://lora?say=The+cat.")[0]!, /^MS4110 testmodel:\/\/lora: .*" cat" is not a word of the oracle's text/);
    assert.match(codes("testmodel://lora?say=The+quick+brown+fox+jumps+over+the+lazy+dog.")[0]!, /^MS4110 .*would change nothing/);
    assert.match(codes("testmodel://lora?layers=2")[0]!, /^MS4109 unknown parameter `layers` of testmodel:\/\/lora/);
  });
});
