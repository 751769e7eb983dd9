/**
 * Quantized models still work: the oracle llama (whose greedy continuation is
 * known in advance, see src/testmodels/oracleLlama.ts), quantized to Q8_0 and
 * Q4_K_M, loads in node-llama-cpp and generates exactly the predicted text,
 * and node-llama-cpp reads the requested file type from it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { getLlama, LlamaCompletion, readGgufFileInfo, type Llama } from "node-llama-cpp";
import { quantize } from "../../src/quantize/index.js";
import { oracleContinuation, writeTestModel } from "../../src/testmodels/index.js";
import { tempDir } from "./models.js";

let llama: Llama;
before(async () => {
  llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
});
after(async () => {
  await llama.dispose();
});

const PROMPT = "The quick brown";

for (const [type, ftype, input] of [["Q8_0", 7, "F32"], ["Q4_K_M", 15, "F16"]] as const) {
  test(`an oracle quantized from ${input} to ${type} generates the predicted text`, async (t) => {
    const dir = tempDir(t);
    const source = path.join(dir, "oracle.gguf");
    await writeTestModel(source, { kind: "oracle", tensorType: input });
    const output = path.join(dir, `oracle-${type}.gguf`);
    await quantize({ input: source, output, type, threads: 2 });
    const info = await readGgufFileInfo(output, { logWarnings: false });
    assert.equal(info.metadata.general.file_type, ftype);
    const model = await llama.loadModel({ modelPath: output });
    try {
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      try {
        const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
        const text = await completion.generateCompletion(PROMPT, { maxTokens: 8, temperature: 0 });
        assert.equal(text, oracleContinuation({}, PROMPT, 8).text);
        assert.equal(text, "fox jumps over the lazy dog.");
      } finally {
        await context.dispose();
      }
    } finally {
      await model.dispose();
    }
  });
}
