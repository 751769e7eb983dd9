import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openModel } from "../../src/runtime/index.js";
import { oracleContinuation, oracleLlama } from "../../src/testmodels/index.js";
import { oracleLoraAdapter, oracleLoraContinuation, oracleLoraNext } from "../../src/testmodels/lora.js";
import { storeModel, tempStore } from "./store-model.js";

const SECOND = { text: "The lazy fox jumps over the quick brown dog." };
const PARAMS = { temperature: 0, num_predict: 10 };
const TEMPLATE = "{{ .Prompt }}";

let env: Awaited<ReturnType<typeof tempStore>>;

before(async () => {
  env = await tempStore();
  await storeModel(env.store, "oracle-plain", { gguf: oracleLlama({}), template: TEMPLATE, params: PARAMS });
  await storeModel(env.store, "oracle-lora", { gguf: oracleLlama({}), adapters: [oracleLoraAdapter({}, SECOND)], template: TEMPLATE, params: PARAMS });
});
after(() => env?.cleanup());

test("the adapter's successor map follows the second text, and only where it differs", () => {
  const { ov, next } = oracleLoraNext({}, SECOND);
  const id = (w: string) => ov.index.ids.get(w)!;
  assert.equal(next[id("▁The")], id("▁lazy"));
  assert.equal(next[id("▁lazy")], id("▁fox"));
  assert.equal(next[id("▁the")], id("▁quick"));
  assert.equal(next[id("▁brown")], id("▁dog"));
  assert.equal(next[id("azy")], id("▁fox"), "a word's suffix leads where the word leads");
  assert.equal(next[id("▁fox")], ov.next[id("▁fox")]);
  // ▁The The he e · ▁lazy lazy azy zy y · ▁the the · ▁brown brown rown own wn n: each word and the suffixes first seen in it.
  assert.equal(next.filter((n, t) => n !== ov.next[t]).length, 17);
});

test("predicted texts: the oracle's and the adapted one differ", () => {
  assert.equal(oracleContinuation({}, "The", 10).rawText, " quick brown fox jumps over the lazy dog.");
  assert.equal(oracleLoraContinuation({}, SECOND, "The", 10).rawText, " lazy fox jumps over the quick brown dog.");
  // Without EOS both chains start over after their last word.
  assert.equal(oracleLoraContinuation({ endWithEos: false }, SECOND, "The", 10).rawText, " lazy fox jumps over the quick brown dog. The");
});

test("with the ADAPTER layer the oracle says the second text; without it, the first", async () => {
  const plain = await openModel(env.root, "oracle-plain", { threads: 1, contextSize: 256, gpu: false });
  const adapted = await openModel(env.root, "oracle-lora", { threads: 1, contextSize: 256, gpu: false });
  try {
    assert.equal((await plain.generate({ prompt: "The" })).text, oracleContinuation({}, "The", 10).rawText);
    assert.equal((await adapted.generate({ prompt: "The" })).text, oracleLoraContinuation({}, SECOND, "The", 10).rawText);
    assert.equal((await adapted.generate({ prompt: "over the" })).text, " quick brown dog.");
  } finally {
    await plain.close();
    await adapted.close();
  }
});
