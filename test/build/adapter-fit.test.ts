import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adapterProblems } from "../../src/check/adapter-fit.js";
import { bufferSource, ggufToBuffer, gv, readGguf, type GgufWriteInput } from "../../src/gguf/index.js";
import { oracleLlama, randomLlama } from "../../src/testmodels/index.js";
import { oracleLoraAdapter } from "../../src/testmodels/lora.js";

// The rules pinned here are llama.cpp's llama_adapter_lora_init_impl:
// https://github.com/ggml-org/llama.cpp/blob/master/src/llama-adapter.cpp
// (general.type "adapter", arch == model arch, adapter.type "lora", .lora_a/.lora_b pairs of base tensors with fitting shapes).
const read = async (input: GgufWriteInput) => readGguf(bufferSource(await ggufToBuffer(input)));
const SAY = { text: "The lazy fox jumps over the quick brown dog." };
const oracle = () => read(oracleLlama({}));
const lora = (edit: (i: GgufWriteInput) => GgufWriteInput = (i) => i) => read(edit(oracleLoraAdapter({}, SAY)));
const withMeta = (key: string, value: string | undefined) => (i: GgufWriteInput): GgufWriteInput => ({
  ...i,
  metadata: [...[...i.metadata].filter(([k]) => k !== key), ...(value === undefined ? [] : [[key, gv.str(value)] as [string, ReturnType<typeof gv.str>]])],
});

describe("adapterProblems", () => {
  it("accepts the oracle's LoRA on the oracle", async () => {
    assert.deepEqual(adapterProblems(await lora(), await oracle()), []);
  });

  it("a model GGUF is not an adapter (MS5285), and the hint says to build FROM it", async () => {
    const [p, ...rest] = adapterProblems(await oracle(), await oracle());
    assert.equal(rest.length, 0);
    assert.equal(p!.code, "MS5285");
    assert.equal(p!.message, "not a LoRA adapter: it has no general.type, llama.cpp loads only `adapter`");
    assert.match(p!.hint!, /this GGUF is a model: build FROM it/);
    const typed = adapterProblems(await read(withMeta("general.type", "model")(oracleLlama({}))), await oracle());
    assert.equal(typed[0]!.message, "not a LoRA adapter: its general.type is `model`, llama.cpp loads only `adapter`");
  });

  it("adapter.type must be lora (MS5285)", async () => {
    const [p] = adapterProblems(await lora(withMeta("adapter.type", "control_vector")), await oracle());
    assert.deepEqual([p!.code, p!.message], ["MS5285", "not a LoRA adapter: its adapter.type is `control_vector`, llama.cpp loads only `lora`"]);
  });

  it("another architecture is MS5286", async () => {
    const [p] = adapterProblems(await lora(withMeta("general.architecture", "qwen2")), await oracle());
    assert.deepEqual([p!.code, p!.message], ["MS5286", "the adapter is for architecture `qwen2`, the base model is `llama`"]);
  });

  it("tensors that do not fit the base are MS5286, named", async () => {
    const random = await read(randomLlama({ name: "random", nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 64, seed: 1, tensorType: "F32" }));
    const [p] = adapterProblems(await lora(), random);
    assert.equal(p!.code, "MS5286");
    assert.equal(p!.message, "the adapter does not fit the base model: `output.weight` is [256, 300] in the base, but the adapter's A is [512, 17] and B [17, 376]");
    const renamed = await lora((i) => ({ ...i, tensors: i.tensors.map((t) => ({ ...t, name: t.name.replace("output.weight", "blk.7.ffn_up.weight") })) }));
    assert.equal(adapterProblems(renamed, await oracle())[0]!.message, "the adapter does not fit the base model: the base model has no tensor `blk.7.ffn_up.weight`");
    const half = await lora((i) => ({ ...i, tensors: i.tensors.slice(0, 1) }));
    assert.equal(adapterProblems(half, await oracle())[0]!.message, "the adapter does not fit the base model: `output.weight` has .lora_a but not .lora_b");
  });
});
