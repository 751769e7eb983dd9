import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ajv } from "ajv";
import { openModel, type RuntimeModel } from "../../src/runtime/index.js";
import { randomLlama } from "../../src/testmodels/index.js";
import { rejection } from "../store/helpers.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { storeModel, tempStore } from "./store-model.js";

/**
 * A schema within node-llama-cpp's grammar subset, without free strings or
 * unbounded arrays so a random model ends quickly. (A free string with
 * maxLength is not used: a random model emits stray UTF-8 bytes, which the
 * grammar counts per byte and the text shows as several U+FFFD characters.)
 */
const SCHEMA = {
  type: "object",
  properties: {
    name: { enum: ["ann", "bob", "cy"] },
    age: { type: "integer" },
    ok: { type: "boolean" },
    tags: { type: "array", items: { enum: ["red", "green", "blue"] }, maxItems: 3 },
    kind: { const: "person" },
  },
  required: ["name", "age", "ok", "tags", "kind"],
  additionalProperties: false,
} as const;

let env: Awaited<ReturnType<typeof tempStore>>;
let jsonModel: RuntimeModel;
let plainModel: RuntimeModel;

// num_predict -1 (Ollama's default): a random model's JSON strings run to hundreds of tokens
// before it samples the closing quote; cut at a token limit, the JSON would not parse.
before(async () => {
  env = await tempStore();
  await storeModel(env.store, "random-json", { gguf: randomLlama(TINY_RANDOM), format: "json", params: { num_predict: -1 } });
  await storeModel(env.store, "random-schema", { gguf: randomLlama(TINY_RANDOM), format: SCHEMA });
  jsonModel = await openModel(env.root, "random-json", { threads: 1, contextSize: 512, gpu: false });
  plainModel = await openModel(env.root, "random-schema", { threads: 1, contextSize: 512, gpu: false });
});
after(async () => {
  await jsonModel?.close();
  await plainModel?.close();
  await env?.cleanup();
});

test("FORMAT json: 20 generations out of 20 parse as a JSON object", async () => {
  const parsed = [];
  for (let seed = 0; seed < 20; seed++) {
    const r = await jsonModel.generate({ prompt: `item ${seed}`, options: { seed } });
    assert.equal(r.finishReason, "stop", r.text);
    // The grammar ends at the closing brace and bounds whitespace outside strings (json-grammar.ts).
    assert.ok(r.text.startsWith("{") && r.text.endsWith("}"), r.text);
    assert.doesNotMatch(r.text, /\s{22}/, r.text);
    const value: unknown = JSON.parse(r.text);
    assert.equal(typeof value, "object");
    assert.ok(value !== null && !Array.isArray(value));
    parsed.push(value);
  }
  // Not 20 copies of one answer: the seed matters.
  assert.ok(new Set(parsed.map((v) => JSON.stringify(v))).size > 1);
});

test("FORMAT with a JSON Schema: 20 generations out of 20 validate (ajv)", async () => {
  const validate = new Ajv().compile(SCHEMA);
  for (let seed = 0; seed < 20; seed++) {
    const r = await plainModel.generate({ prompt: `person ${seed}`, options: { seed, num_predict: 300 } });
    assert.equal(r.finishReason, "stop", r.text);
    const value: unknown = JSON.parse(r.text);
    assert.ok(validate(value), `${r.text}: ${JSON.stringify(validate.errors)}`);
  }
});

test("a request's format overrides the model's FORMAT", async () => {
  const r = await plainModel.generate({ prompt: "list", format: { type: "array", items: { type: "boolean" }, maxItems: 4 }, options: { seed: 3, num_predict: 100 } });
  const value: unknown = JSON.parse(r.text);
  assert.ok(Array.isArray(value) && value.length <= 4 && value.every((v) => typeof v === "boolean"), r.text);
});

test("a schema the grammar converter rejects is MS8005", async () => {
  const r = await rejection(plainModel.generate({ prompt: "x", format: ["not", "a", "schema"] }));
  assert.equal(r.code, "MS8005");
  assert.equal(r.kind, "input");
});
