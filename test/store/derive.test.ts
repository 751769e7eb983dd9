import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveLayers, LAYER_MEDIA_TYPES as T, mergeParams, sha256Digest, type Layer } from "../../src/store/index.js";

const layer = (kind: keyof typeof T, content: string): Layer => ({ mediaType: T[kind], digest: sha256Digest(content), size: content.length });
/** A compact picture of a layer list: "kind:content" per layer. */
const picture = (layers: Layer[], names: Map<string, string>): string[] => layers.map((l) => `${l.mediaType.slice("application/vnd.ollama.image.".length)}:${names.get(l.digest)}${l.from ? `<${l.from}` : ""}`);

describe("derived models (Ollama's create rules)", () => {
  const all = {
    model: layer("model", "weights"),
    projector: layer("projector", "mmproj"),
    template: layer("template", "base template"),
    system: layer("system", "base system"),
    license: layer("license", "MIT"),
    params: layer("params", "base params"),
    messages: layer("messages", "base messages"),
    adapter: layer("adapter", "base lora"),
    quantized: layer("model", "weights q4"),
    myTemplate: layer("template", "my template"),
    mySystem: layer("system", "my system"),
    myLicense: layer("license", "Apache"),
    myParams: layer("params", "merged params"),
    myMessages: layer("messages", "my messages"),
    myAdapter: layer("adapter", "my lora"),
  };
  const names = new Map(Object.entries({
    [all.model.digest]: "weights", [all.projector.digest]: "mmproj", [all.template.digest]: "base template", [all.system.digest]: "base system",
    [all.license.digest]: "MIT", [all.params.digest]: "base params", [all.messages.digest]: "base messages", [all.adapter.digest]: "base lora",
    [all.quantized.digest]: "weights q4", [all.myTemplate.digest]: "my template", [all.mySystem.digest]: "my system", [all.myLicense.digest]: "Apache",
    [all.myParams.digest]: "merged params", [all.myMessages.digest]: "my messages", [all.myAdapter.digest]: "my lora",
  }));
  const base = [all.model, all.projector, all.adapter, all.template, all.system, all.license, all.params, all.messages];

  it("inherits every layer when the derived model sets nothing, marking them with from", () => {
    assert.deepEqual(picture(deriveLayers(base, {}, { from: "llama3:8b" }), names), [
      "model:weights<llama3:8b", "projector:mmproj<llama3:8b", "adapter:base lora<llama3:8b", "template:base template<llama3:8b",
      "system:base system<llama3:8b", "license:MIT<llama3:8b", "params:base params<llama3:8b", "messages:base messages<llama3:8b",
    ]);
    assert.deepEqual(deriveLayers(base, {}), base, "without from, layers are kept as they are");
  });

  it("replaces template, system, params and messages, appends adapters and licenses, in Ollama's order", () => {
    const own = { template: all.myTemplate, system: all.mySystem, params: all.myParams, messages: all.myMessages, adapters: [all.myAdapter], licenses: [all.myLicense] };
    assert.deepEqual(picture(deriveLayers(base, own), names), [
      "model:weights", "projector:mmproj", "adapter:base lora", "license:MIT",
      "adapter:my lora", "template:my template", "system:my system", "license:Apache", "params:merged params", "messages:my messages",
    ]);
  });

  it("puts a re-quantized model layer where the inherited one was, and a model from a file first", () => {
    assert.deepEqual(picture(deriveLayers([all.projector, all.model, all.system], { model: all.quantized }), names), ["projector:mmproj", "model:weights q4", "system:base system"]);
    assert.deepEqual(picture(deriveLayers([], { model: all.model, system: all.mySystem, params: all.myParams }), names), ["model:weights", "system:my system", "params:merged params"]);
  });

  it("removes an inherited template or system on null (where modelsmith differs from Ollama)", () => {
    assert.deepEqual(picture(deriveLayers(base, { template: null, system: null }), names), [
      "model:weights", "projector:mmproj", "adapter:base lora", "license:MIT", "params:base params", "messages:base messages",
    ]);
  });

  it("merges parameters key by key, own values win, lists are replaced whole", () => {
    const inherited = { temperature: 1, top_k: 10, stop: ["USER:", "ASSISTANT:"] };
    assert.deepEqual(mergeParams(inherited, { temperature: 0.6, top_p: 0.7 }), { temperature: 0.6, top_k: 10, top_p: 0.7, stop: ["USER:", "ASSISTANT:"] });
    assert.deepEqual(mergeParams(inherited, { stop: ["<|endoftext|>"] }), { temperature: 1, top_k: 10, stop: ["<|endoftext|>"] });
  });
});
