/**
 * The build planner is pure: these tests build plans from plain inputs, with
 * no disk and no store, and pin the graph's shape, names and cache keys.
 */
import { OLLAMA_TEMPLATES_COMMIT } from "../../src/templates/index.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILD_FORMAT, planBuild, type PlanInput, type PlanModel } from "../../src/build/plan.js";
import { digestOf } from "../../src/lock/canonical-json.js";
import type { Pin } from "../../src/resolve/sources/pin.js";

const pin: Pin = { source: "./base.gguf", locator: "./base.gguf", digest: `sha256:${"a".repeat(64)}`, size: 42 };
const own = { adapters: [], licenses: [], params: { temperature: 0.5 }, messages: [], system: "hi" };
const range = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 10, offset: 9 } };

function model(name: string, over: Partial<PlanModel> = {}): PlanModel {
  return { name, quantize: [], tags: [], base: { kind: "pin", pin }, own, at: { file: `${name}/Modelfile`, range }, ...over };
}
const plan = (models: PlanModel[], extra: Partial<PlanInput> = {}) => planBuild({ models, namespace: "library", ...extra });

describe("planBuild", () => {
  it("a model without quantize is one assemble step tagged latest, keyed by its inputs", () => {
    const { plan: p, diagnostics } = plan([model("chat")]);
    assert.deepEqual(diagnostics, []);
    assert.equal(p!.steps.length, 1);
    const step = p!.steps[0]!;
    assert.equal(step.kind, "assemble");
    assert.equal(step.id, "chat:latest");
    assert.deepEqual(step.kind === "assemble" && step.names, [{ host: "registry.ollama.ai", namespace: "library", model: "chat", tag: "latest" }]);
    assert.equal(step.key, digestOf({ v: BUILD_FORMAT, op: "assemble", model: pin.digest, base: null, detect: OLLAMA_TEMPLATES_COMMIT, own }));
    assert.deepEqual(p!.variants, [{ model: "chat", tag: "latest", step: "chat:latest", key: step.key }]);
  });

  it("one variant per quantize type, tagged in lower case; the first is also latest", () => {
    const { plan: p } = plan([model("chat", { quantize: [{ tag: "q4_k_m", type: "Q4_K_M" }, { tag: "q8_0", type: "Q8_0" }] })]);
    assert.deepEqual(
      p!.steps.map((s) => [s.kind, s.id, s.deps]),
      [
        ["quantize", "chat@q4_k_m", []],
        ["assemble", "chat:q4_k_m", ["chat@q4_k_m"]],
        ["quantize", "chat@q8_0", []],
        ["assemble", "chat:q8_0", ["chat@q8_0"]],
      ],
    );
    assert.deepEqual(
      p!.variants.map((v) => [v.tag, v.step]),
      [
        ["latest", "chat:q4_k_m"],
        ["q4_k_m", "chat:q4_k_m"],
        ["q8_0", "chat:q8_0"],
      ],
    );
    const q = p!.steps[0]!;
    assert.equal(q.key, digestOf({ v: BUILD_FORMAT, op: "quantize", type: "Q4_K_M", input: pin.digest }));
    assert.equal(p!.steps[1]!.key, digestOf({ v: BUILD_FORMAT, op: "assemble", model: q.key, base: null, detect: OLLAMA_TEMPLATES_COMMIT, own }));
  });

  it("types with the same canonical name share one quantize step", () => {
    const { plan: p } = plan([model("chat", { quantize: [{ tag: "q4_k", type: "Q4_K_M" }, { tag: "q4_k_m", type: "Q4_K_M" }] })]);
    assert.equal(p!.steps.filter((s) => s.kind === "quantize").length, 1);
    assert.equal(p!.variants.find((v) => v.tag === "q4_k")!.key, p!.variants.find((v) => v.tag === "q4_k_m")!.key);
  });

  it("a key moves with the step's own definition and with its inputs' keys, not with names", () => {
    const key = (m: PlanModel) => plan([m]).plan!.variants[0]!.key;
    const base = key(model("chat"));
    assert.equal(key(model("other-name")), base);
    assert.notEqual(key(model("chat", { own: { ...own, system: "hello" } })), base);
    assert.notEqual(key(model("chat", { base: { kind: "pin", pin: { ...pin, digest: `sha256:${"b".repeat(64)}` } } })), base);
    const q = (type: string) => plan([model("chat", { quantize: [{ tag: type.toLowerCase(), type }] })]).plan!.steps[0]!.key;
    assert.notEqual(q("Q8_0"), q("Q4_0"));
  });

  it("a model FROM a project model depends on that variant and inherits its layers", () => {
    const models = [
      model("helper", { base: { kind: "project", model: "chat", tag: "q8_0" } }),
      model("chat", { quantize: [{ tag: "q4_k_m", type: "Q4_K_M" }, { tag: "q8_0", type: "Q8_0" }] }),
    ];
    const { plan: p } = plan(models);
    const helper = p!.steps.find((s) => s.id === "helper:latest")!;
    assert.equal(helper.kind, "assemble");
    assert.deepEqual(helper.deps, ["chat:q8_0"]);
    assert.deepEqual(helper.kind === "assemble" && helper.base, { step: "chat:q8_0", from: "chat:q8_0" });
    const dep = p!.steps.find((s) => s.id === "chat:q8_0")!;
    assert.equal(helper.key, digestOf({ v: BUILD_FORMAT, op: "assemble", model: dep.key, base: { key: dep.key, from: "chat:q8_0" }, own }));
    // Dependencies come first.
    assert.ok(p!.steps.indexOf(dep) < p!.steps.indexOf(helper));
  });

  it("`only` plans the named models and what they depend on", () => {
    const models = [model("a"), model("b", { base: { kind: "project", model: "a" } }), model("c")];
    assert.deepEqual(plan(models, { only: ["b"] }).plan!.steps.map((s) => s.id), ["a:latest", "b:latest"]);
  });

  it("a cycle is an error at the FROM line of its first model, naming the cycle", () => {
    const models = [model("a", { base: { kind: "project", model: "b" } }), model("b", { base: { kind: "project", model: "c" } }), model("c", { base: { kind: "project", model: "a" } })];
    const { plan: p, diagnostics } = plan(models);
    assert.equal(p, undefined);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.message, d.file]),
      [["MS5201", "build dependency cycle: a -> b -> c -> a", "a/Modelfile"]],
    );
    assert.deepEqual(plan([model("self", { base: { kind: "project", model: "self" } })]).diagnostics.map((d) => d.message), ["build dependency cycle: self -> self"]);
  });

  it("a variant the dependency does not build is an error with the list of its variants", () => {
    const { diagnostics } = plan([model("a", { quantize: [{ tag: "q8_0", type: "Q8_0" }] }), model("b", { base: { kind: "project", model: "a", tag: "q5_k_m" } })]);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.message, d.hint]),
      [["MS5206", "model `a` has no variant `q5_k_m`", "its variants: latest, q8_0"]],
    );
  });

  it("extra tags name the default variant", () => {
    const { plan: p } = plan([model("chat", { tags: ["stable"] })]);
    assert.deepEqual(p!.variants.map((v) => v.tag), ["latest", "stable"]);
  });
});
