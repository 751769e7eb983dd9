import assert from "node:assert/strict";
import { test } from "node:test";
import { readGgufFileInfo } from "node-llama-cpp";
import { plainValue, readGgufFile, type GgufPlainValue } from "../../src/gguf/index.js";
import { fixturePath } from "./sample.js";
import { flattenMetadata } from "../helpers/flatten.js";


/** node-llama-cpp reads 64-bit integers as bigint and everything else as we do. */
function normalize(v: GgufPlainValue): unknown {
  return Array.isArray(v) ? v.map(normalize) : v;
}

test("our reader agrees with node-llama-cpp's readGgufFileInfo on the golden sample", async () => {
  const path = fixturePath("sample.gguf");
  const ours = await readGgufFile(path);
  const theirs = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(theirs.version, ours.version);
  assert.equal(Number(theirs.tensorCount), ours.tensors.length);
  const flat = flattenMetadata(theirs.metadata as unknown as Record<string, unknown>);
  assert.deepEqual([...flat.keys()].sort(), [...ours.metadata.keys()].sort());
  for (const [key, entry] of ours.metadata) assert.deepEqual(flat.get(key), normalize(plainValue(entry.value)), key);
  assert.deepEqual(
    theirs.tensorInfo!.map((t) => ({ name: t.name, dims: t.dimensions.map(Number), type: t.ggmlType, offset: Number(t.offset), fileOffset: Number(t.fileOffset) })),
    ours.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, offset: t.offset, fileOffset: t.fileOffset })),
  );
  assert.equal(theirs.infoEndOffset, ours.dataOffset);
});
