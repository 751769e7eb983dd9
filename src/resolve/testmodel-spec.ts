import type { TestModelSpec } from "../testmodels/writeTestModel.js";
import type { TestModelReference } from "./reference-types.js";

/**
 * The generator input for a `testmodel://` reference, for writeTestModel.
 * `general.name` is the generator's name, so the bytes depend on the
 * reference's parameters alone.
 */
export function testModelSpec(ref: TestModelReference): TestModelSpec {
  if (ref.generator === "random") {
    const p = ref.params;
    return {
      kind: "random",
      name: "random",
      nEmbd: p.embd,
      nLayer: p.layers,
      nHead: p.heads,
      nHeadKv: p.kv,
      nFf: p.ff,
      vocabSize: p.vocab,
      contextLength: p.ctx,
      seed: p.seed,
      tensorType: p.type === "f16" ? "F16" : "F32",
    };
  }
  if (ref.generator === "lora") {
    const p = ref.params;
    return { kind: "lora", base: { name: "oracle", text: p.text, endWithEos: p.eos }, lora: { text: p.say } };
  }
  const p = ref.params;
  return {
    kind: "oracle",
    name: "oracle",
    text: p.text,
    endWithEos: p.eos,
    nLayer: p.layers,
    nFf: p.ff,
    contextLength: p.ctx,
    tensorType: p.type === "f16" ? "F16" : "F32",
  };
}
