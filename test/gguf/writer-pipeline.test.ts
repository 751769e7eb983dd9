/**
 * writeGguf's pipeline (chunks gathered into large writes, the next chunk read
 * while a batch is written, hashed while it is written): the file and its
 * sha256 are those of the bytes, and a failing tensor leaves no file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { GgmlType, ggufToBuffer, gv, writeGguf, type GgufWriteInput } from "../../src/gguf/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-gguf-pipeline-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Tensors given in odd-sized chunks: many tiny ones, and some past the batch size. */
function input(fail?: number): GgufWriteInput {
  const tensor = (name: string, elements: number, chunk: number, seed: number) => ({
    name,
    dims: [elements],
    type: GgmlType.F32,
    data: async function* () {
      for (let at = 0; at < elements * 4; at += chunk) {
        if (fail !== undefined && at >= fail) throw new Error(`tensor ${name} failed at ${at}`);
        const n = Math.min(chunk, elements * 4 - at);
        yield Uint8Array.from({ length: n }, (_, i) => (at + i + seed) & 0xff);
      }
    },
  });
  return {
    metadata: [["general.architecture", gv.str("llama")]],
    tensors: [tensor("a", 3001, 12, 1), tensor("b", 5 << 20, 9 << 20, 2), tensor("c", 17, 68, 3), tensor("d", 1 << 20, 1 << 20, 4)],
  };
}

test("many small and some large chunks: the file is the bytes, its sha256 theirs", async () => {
  const expected = await ggufToBuffer(input());
  const file = path.join(dir, "ok.gguf");
  const written = await writeGguf(file, input());
  assert.equal(written.size, expected.length);
  assert.equal(written.sha256, createHash("sha256").update(expected).digest("hex"));
  assert.ok(readFileSync(file).equals(expected));
});

test("a tensor that fails midway rejects with its error and leaves no file, not even the temporary one", async () => {
  const sub = mkdtempSync(path.join(dir, "fail-"));
  await assert.rejects(writeGguf(path.join(sub, "bad.gguf"), input(96)), /tensor a failed at 96/);
  assert.deepEqual(readdirSync(sub), []);
});
