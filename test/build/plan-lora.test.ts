/**
 * The build planner's steps for PEFT adapter folders (ADAPTER ./peft-dir),
 * pure: a convert step per adapter, keyed by the folder's pin, the converter's
 * version and the key of the base blob at the root of the FROM chain; the
 * assemble step names the adapter by that key and waits for it.
 */
import { OLLAMA_TEMPLATES_COMMIT } from "../../src/templates/index.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILD_FORMAT, planBuild, type ConvertStep, type PlanModel } from "../../src/build/plan.js";
import { CONVERTER_VERSION, LORA_CONVERTER_VERSION } from "../../src/convert/index.js";
import { digestOf } from "../../src/lock/canonical-json.js";
import type { Pin } from "../../src/resolve/sources/pin.js";

const gguf: Pin = { source: "./base.gguf", locator: "./base.gguf", digest: `sha256:${"a".repeat(64)}`, size: 42 };
const ckpt: Pin = { source: "./ckpt", locator: "./ckpt", digest: `sha256:${"c".repeat(64)}`, size: 99, checkpoint: { dir: "/p/ckpt", files: [] } };
const loraDigest = `sha256:${"d".repeat(64)}` as const;
const other = { digest: `sha256:${"e".repeat(64)}` as const, size: 7 };
const own = { adapters: [other, { digest: loraDigest, size: 5 }], licenses: [], params: {}, messages: [] };
const at = { file: "Modelfile", range: { start: { line: 2, column: 9, offset: 20 }, end: { line: 2, column: 15, offset: 26 } } };
const lora = { index: 1, dir: "/p/lora", digest: loraDigest, shown: "./lora", at };

function model(name: string, over: Partial<PlanModel> = {}): PlanModel {
  return { name, quantize: [], tags: [], base: { kind: "pin", pin: gguf }, own, at: { file: "Modelfile" }, loras: [lora], ...over };
}

describe("planBuild with a PEFT ADAPTER", () => {
  it("FROM a GGUF: one convert step keyed by the folder and the base blob; the assemble step names it by key and depends on it", () => {
    const { plan } = planBuild({ models: [model("tuned")], namespace: "library" });
    const [convert, assemble] = plan!.steps;
    const key = digestOf({ v: BUILD_FORMAT, op: "convert-lora", converter: LORA_CONVERTER_VERSION, input: loraDigest, base: gguf.digest });
    assert.deepEqual(convert, { kind: "convert", id: "tuned@adapter-2", key, model: "tuned", dir: "/p/lora", outType: "F32", deps: [], lora: { base: { kind: "pin", digest: gguf.digest, size: 42, source: "./base.gguf" }, shown: "./lora", at } } satisfies ConvertStep);
    assert.equal(assemble!.kind, "assemble");
    assert.deepEqual(assemble!.deps, ["tuned@adapter-2"]);
    const ownDefs = { ...own, adapters: [other, { convert: key }] };
    assert.equal(assemble!.key, digestOf({ v: BUILD_FORMAT, op: "assemble", model: gguf.digest, base: null, detect: OLLAMA_TEMPLATES_COMMIT, own: ownDefs }));
  });

  it("FROM a checkpoint: the adapter step reads the base's convert step output and is keyed by its key", () => {
    // As build.ts passes a written `convert: BF16`: the checkpoint's type and the adapters'.
    const { plan } = planBuild({ models: [model("tuned", { base: { kind: "pin", pin: ckpt }, convert: "BF16", adapterConvert: "BF16" })], namespace: "library" });
    const base = plan!.steps.find((s) => s.id === "tuned@convert-bf16")!;
    const step = plan!.steps.find((s) => s.id === "tuned@adapter-2") as ConvertStep;
    assert.equal(base.key, digestOf({ v: BUILD_FORMAT, op: "convert", converter: CONVERTER_VERSION, outType: "BF16", input: ckpt.digest }));
    assert.deepEqual([step.deps, step.lora!.base], [["tuned@convert-bf16"], { kind: "model-of", step: "tuned@convert-bf16" }]);
    // `convert: BF16` applies to the adapter too (convert_lora_to_gguf.py --outtype bf16), in its key; F32 (the default) is not in the key.
    assert.equal(step.outType, "BF16");
    assert.equal(step.key, digestOf({ v: BUILD_FORMAT, op: "convert-lora", converter: LORA_CONVERTER_VERSION, input: loraDigest, base: base.key, outType: "BF16" }));
    // The checkpoint's type alone (a provenance document records it resolved, F16 by default) leaves the adapters F32, their default.
    const alone = planBuild({ models: [model("tuned", { base: { kind: "pin", pin: ckpt }, convert: "F16" })], namespace: "library" }).plan!;
    const f32 = alone.steps.find((s) => s.id === "tuned@adapter-2") as ConvertStep;
    assert.equal(f32.outType, "F32");
    assert.equal(f32.key, digestOf({ v: BUILD_FORMAT, op: "convert-lora", converter: LORA_CONVERTER_VERSION, input: loraDigest, base: alone.steps.find((s) => s.id === "tuned@convert-f16")!.key }));
  });

  it("FROM a project model: converted for the root of the FROM chain (not the quantized variant); the key moves with the base and the folder only", () => {
    const models = [
      model("tuned", { base: { kind: "project", model: "chat", tag: "q4_k_m" } }),
      model("chat", { quantize: [{ tag: "q4_k_m", type: "Q4_K_M" }], own: { ...own, adapters: [] }, loras: [] }),
    ];
    const { plan } = planBuild({ models, namespace: "library" });
    const step = plan!.steps.find((s) => s.id === "tuned@adapter-2") as ConvertStep;
    assert.deepEqual(step.lora!.base, { kind: "pin", digest: gguf.digest, size: 42, source: "./base.gguf" });
    const keyOf = (m: PlanModel) => (planBuild({ models: [m], namespace: "library" }).plan!.steps[0] as ConvertStep).key;
    assert.equal(step.key, keyOf(model("x")), "same folder, same root base: same key whatever the model's name");
    assert.notEqual(keyOf(model("x", { base: { kind: "pin", pin: { ...gguf, digest: `sha256:${"b".repeat(64)}` } } })), step.key);
    assert.notEqual(keyOf(model("x", { loras: [{ ...lora, digest: `sha256:${"f".repeat(64)}` }] })), step.key);
    assert.equal(keyOf(model("x", { loras: [{ ...lora, dir: "/elsewhere", shown: "./moved" }] })), step.key, "not the path");
  });
});
