import assert from "node:assert/strict";
import { test } from "node:test";
import { GgmlType as TheirGgmlType, GgufFileType } from "node-llama-cpp";
import { GGML_TYPES, ggmlTypeByName, LLAMA_FILE_TYPES, llamaFileTypeByQuant, tensorDataSize } from "../../src/gguf/index.js";

/** Numeric members of a TypeScript enum object. */
function members(e: object): [string, number][] {
  return Object.entries(e).filter((kv): kv is [string, number] => typeof kv[1] === "number");
}

test("ggml type ids and names match node-llama-cpp's enum", () => {
  const theirs = members(TheirGgmlType);
  assert.equal(theirs.length, GGML_TYPES.size);
  for (const [name, id] of theirs) assert.equal(GGML_TYPES.get(id)?.name, name, `type ${id}`);
});

test("llama file types match node-llama-cpp's GgufFileType", () => {
  const theirs = members(GgufFileType);
  assert.equal(theirs.length, LLAMA_FILE_TYPES.size);
  for (const [name, id] of theirs) assert.equal(LLAMA_FILE_TYPES.get(id)?.name, name, `file type ${id}`);
  assert.equal(llamaFileTypeByQuant("q4_k_m")?.id, 15);
  assert.equal(llamaFileTypeByQuant("F16")?.id, 1);
});

test("block geometry gives llama.cpp's bytes per row", () => {
  const bytesPer256: [string, number][] = [
    ["F32", 1024], ["F16", 512], ["BF16", 512], ["Q4_0", 144], ["Q4_1", 160], ["Q5_0", 176], ["Q5_1", 192], ["Q8_0", 272],
    ["Q2_K", 84], ["Q3_K", 110], ["Q4_K", 144], ["Q5_K", 176], ["Q6_K", 210], ["Q8_K", 292], ["IQ2_XXS", 66], ["IQ2_XS", 74],
    ["IQ2_S", 82], ["IQ3_XXS", 98], ["IQ3_S", 110], ["IQ1_S", 50], ["IQ1_M", 56], ["IQ4_NL", 144], ["IQ4_XS", 136],
    ["TQ1_0", 54], ["TQ2_0", 66], ["MXFP4", 136], ["NVFP4", 144], ["Q1_0", 36], ["Q2_0", 72],
  ];
  for (const [name, bytes] of bytesPer256) assert.equal(tensorDataSize(ggmlTypeByName(name)!, [256]), BigInt(bytes), name);
  assert.equal(tensorDataSize(ggmlTypeByName("Q4_K")!, [4096, 4096]), 9437184n);
  assert.equal(tensorDataSize(ggmlTypeByName("Q4_K")!, [100]), undefined);
});
