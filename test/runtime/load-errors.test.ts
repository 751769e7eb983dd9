import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openModel } from "../../src/runtime/index.js";
import { oracleLlama } from "../../src/testmodels/index.js";
import { oracleLoraAdapter } from "../../src/testmodels/lora.js";
import { CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPES, makeManifest } from "../../src/store/index.js";
import { rejection } from "../store/helpers.js";
import { storeModel, tempStore } from "./store-model.js";

let env: Awaited<ReturnType<typeof tempStore>>;

before(async () => {
  env = await tempStore();
  // An adapter made for an oracle with another vocabulary: its output.weight shape differs.
  const other = { text: "A small red hen sat." };
  await storeModel(env.store, "wrong-adapter", { gguf: oracleLlama({}), adapters: [oracleLoraAdapter(other, { text: "A red small hen sat." })] });
  const config = await env.store.putLayer(CONFIG_MEDIA_TYPE, "{}");
  await env.store.writeManifest("not-gguf", makeManifest(config, [await env.store.putLayer(LAYER_MEDIA_TYPES.model, "not a gguf file")]));
  // GGUF magic, version 3, then a tensor count of 2^60: llama.cpp would trust it.
  const huge = Buffer.alloc(24);
  huge.write("GGUF", 0, "latin1");
  huge.writeUInt32LE(3, 4);
  huge.writeBigUInt64LE(1n << 60n, 8);
  await env.store.writeManifest("damaged-gguf", makeManifest(config, [await env.store.putLayer(LAYER_MEDIA_TYPES.model, huge)]));
  await env.store.writeManifest("no-weights", makeManifest(config, [await env.store.putLayer(LAYER_MEDIA_TYPES.system, "hi")]));
  await env.store.writeManifest("bad-params", makeManifest(config, [await env.store.putLayer(LAYER_MEDIA_TYPES.model, "x"), await env.store.putLayer(LAYER_MEDIA_TYPES.params, "[1]")]));
});
after(() => env?.cleanup());

const open = (name: string) => rejection(openModel(env.root, name, { threads: 1, contextSize: 256, gpu: false }));

test("an adapter llama.cpp rejects is MS8004 (environment)", async () => {
  const r = await open("wrong-adapter");
  assert.deepEqual([r.code, r.kind], ["MS8004", "environment"]);
  assert.match(r.message, /^model wrong-adapter:latest: llama\.cpp cannot load its ADAPTER layers or context: /);
});

test("a model layer that is not a GGUF is caught by our reader before llama.cpp: MS3001 (environment)", async () => {
  const r = await open("not-gguf");
  assert.deepEqual([r.code, r.kind], ["MS3001", "environment"]);
  assert.match(r.message, /^model not-gguf:latest: /);
  assert.match(r.hint ?? "", /modelsmith verify/);
});

test("a damaged GGUF header (2^60 tensors) is refused before llama.cpp sees it: MS3004 (environment)", async () => {
  const r = await open("damaged-gguf");
  assert.deepEqual([r.code, r.kind], ["MS3004", "environment"]);
});

test("a manifest without weights, or with a params layer that is not an object, is MS8008", async () => {
  assert.deepEqual(await open("no-weights"), { code: "MS8008", kind: "environment", message: "model no-weights:latest: the manifest has no model layer", hint: "rebuild it with `modelsmith build`" });
  assert.equal((await open("bad-params")).message, "model bad-params:latest: the params layer is not a JSON object");
});

test("an unknown model is MS5102 with a did-you-mean", async () => {
  const r = await open("no-weight");
  assert.deepEqual([r.code, r.kind, r.hint], ["MS5102", "input", "did you mean `no-weights:latest`?"]);
});
