import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { getLlama, LlamaCompletion, readGgufFileInfo } from "node-llama-cpp";
import { GgufValueType, plainValue, readGgufFile } from "../../src/gguf/index.js";
import { randomLlama, writeTestModel } from "../../src/testmodels/index.js";
import { TINY_RANDOM } from "./specs.js";
import { flattenMetadata } from "../helpers/flatten.js";


test("a random llama loads in node-llama-cpp, generates, and keeps every metadata key", async () => {
  const dir = await mkdtemp(join(tmpdir(), "random-"));
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  try {
    const path = join(dir, "tiny.gguf");
    const written = await writeTestModel(path, { kind: "random", ...TINY_RANDOM });
    assert.equal(written.size, 1104992);

    // What the file holds: the input's values, float32 ones rounded to float32.
    const expected = new Map(
      [...randomLlama(TINY_RANDOM).metadata].map(([k, e]) => [k, e.type === GgufValueType.FLOAT32 ? Math.fround(e.value as number) : plainValue(e.value)]),
    );
    const ours = await readGgufFile(path);
    assert.deepEqual(new Map([...ours.metadata].map(([k, e]) => [k, plainValue(e.value)])), expected);
    assert.deepEqual(ours.tensors.map((t) => t.name).slice(0, 4), ["token_embd.weight", "output_norm.weight", "output.weight", "blk.0.attn_norm.weight"]);
    assert.equal(ours.tensors.length, 3 + 9 * TINY_RANDOM.nLayer);

    const model = await llama.loadModel({ modelPath: path });
    try {
      const theirs = flattenMetadata(model.fileInfo.metadata as unknown as Record<string, unknown>);
      for (const [key, value] of expected) {
        const v = theirs.get(key);
        assert.deepEqual(v, value, key);
      }
      assert.equal(model.trainContextSize, TINY_RANDOM.contextLength);
      assert.equal(model.tokens.bos, 1);
      assert.equal(model.tokens.eos, 2);
      const generate = async () => {
        const context = await model.createContext({ contextSize: 128, threads: 1 });
        try {
          const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
          const tokens: number[] = [];
          await completion.generateCompletion("a b c", { maxTokens: 6, temperature: 0, onToken: (t) => tokens.push(...t) });
          return tokens;
        } finally {
          await context.dispose();
        }
      };
      const first = await generate();
      // Up to 6 tokens (random weights may pick EOS early), all in the vocabulary.
      assert.ok(first.length >= 1 && first.length <= 6, `generated ${first.length} tokens`);
      assert.ok(first.every((t) => t >= 0 && t < TINY_RANDOM.vocabSize));
      assert.deepEqual(await generate(), first);
    } finally {
      await model.dispose();
    }
    const info = await readGgufFileInfo(path, { logWarnings: false });
    assert.equal(Number(info.tensorCount), ours.tensors.length);
  } finally {
    await llama.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
