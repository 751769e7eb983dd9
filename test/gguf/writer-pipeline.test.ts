/**
 * writeGguf's pipeline (a few reused buffers, filled in place or with chunks
 * copied in, each written at its offset while it is hashed, each of the two
 * inline or in a worker thread, and while the next one is filled): the file
 * and its sha256 are those of the bytes, and a failing tensor or input leaves
 * no file and no thread.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { InputError } from "../../src/diagnostics/index.js";
import { GgmlType, ggufToBuffer, gv, writeGguf, type GgufTensorInput, type GgufWriteInput, type TensorFill } from "../../src/gguf/index.js";
import { WorkerWriter } from "../../src/gguf/writer-threads.js";

const dir = mkdtempSync(path.join(tmpdir(), "modelsmith-gguf-pipeline-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const byte = (at: number, seed: number) => (at * 7 + seed) & 0xff;

/** A tensor that fills the writer's buffers itself (pieces of any size, at any offset); `pieces` records them. */
function fillTensor(name: string, elements: number, seed: number, o: { fail?: number; bytes?: number; pieces?: [number, number][] } = {}): GgufTensorInput {
  const data: TensorFill = {
    bytes: o.bytes ?? elements * 4,
    fill: async (target, offset) => {
      await new Promise((r) => setImmediate(r)); // as a file read would
      if (o.fail !== undefined && offset + target.length > o.fail) throw new Error(`tensor ${name} failed at ${offset}`);
      o.pieces?.push([offset, target.length]);
      for (let i = 0; i < target.length; i++) target[i] = byte(offset + i, seed);
    },
  };
  return { name, dims: [elements], type: GgmlType.F32, data };
}

/** Tensors given in odd-sized chunks: many tiny ones, and some past the batch size; and some that fill the buffers themselves. */
function input(fail?: number, pieces?: [number, number][]): GgufWriteInput {
  const tensor = (name: string, elements: number, chunk: number, seed: number) => ({
    name,
    dims: [elements],
    type: GgmlType.F32,
    data: async function* () {
      for (let at = 0; at < elements * 4; at += chunk) {
        if (fail !== undefined && at >= fail) throw new Error(`tensor ${name} failed at ${at}`);
        const n = Math.min(chunk, elements * 4 - at);
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = (at + i + seed) & 0xff;
        yield bytes;
      }
    },
  });
  return {
    metadata: [["general.architecture", gv.str("llama")]],
    tensors: [
      tensor("a", 3001, 12, 1),
      tensor("b", 5 << 20, 9 << 20, 2),
      fillTensor("e", (1 << 20) + 5, 5, pieces ? { pieces } : {}),
      tensor("c", 17, 68, 3),
      fillTensor("f", 3, 6),
      tensor("d", 1 << 20, 1 << 20, 4),
    ],
  };
}

for (const [hashInWorker, writeInWorker, early] of [[false, false, false], [true, false, false], [false, true, false], [true, true, false], [true, true, true]]) {
  const how = `sha256 ${hashInWorker ? "in a worker" : "inline"}, writes ${writeInWorker ? "in a worker" : "through libuv"}${early ? ", the input given as a promise" : ""}`;
  test(`many small and some large chunks, tensors that fill the buffers: the file is the bytes, its sha256 theirs (${how})`, async () => {
    const expected = await ggufToBuffer(input());
    const file = path.join(dir, `ok-${hashInWorker}-${writeInWorker}-${early}.gguf`);
    const progress: number[] = [];
    const pieces: [number, number][] = [];
    const given = input(undefined, pieces);
    // As a promise, the input comes after the workers have been started (as the converter hands it over).
    const late = early ? new Promise<GgufWriteInput>((resolve) => setTimeout(() => resolve(given), 20)) : given;
    const written = await writeGguf(file, late, (n, total) => {
      assert.equal(total, expected.length);
      progress.push(n);
    }, { hashInWorker, writeInWorker });
    assert.equal(written.size, expected.length);
    assert.equal(written.sha256, createHash("sha256").update(expected).digest("hex"));
    assert.ok(readFileSync(file).equals(expected));
    // Progress in file order, up to the whole file.
    assert.deepEqual(progress, [...progress].sort((x, y) => x - y));
    assert.equal(progress.at(-1), expected.length);
    // Tensor e (4 MiB, from about 20 MiB in, so across the 24 MiB buffer boundary) was asked for in order, in more than one piece, and all of it.
    assert.ok(pieces.length > 1, `pieces ${JSON.stringify(pieces)}`);
    let at = 0;
    for (const [offset, length] of pieces) {
      assert.equal(offset, at);
      at += length;
    }
    assert.equal(at, ((1 << 20) + 5) * 4);
  });
}

test("a fill tensor whose byte count disagrees with its shape is MS3013, and no file is left", async () => {
  const sub = mkdtempSync(path.join(dir, "bytes-"));
  const bad: GgufWriteInput = { metadata: [], tensors: [fillTensor("g", 10, 1, { bytes: 39 })] };
  await assert.rejects(writeGguf(path.join(sub, "bad.gguf"), bad), (e: InputError) => e.diagnostics[0]!.code === "MS3013" && /tensor g: data has 39 bytes, its shape and type need 40/.test(e.diagnostics[0]!.message));
  await assert.rejects(ggufToBuffer(bad), (e: InputError) => e.diagnostics[0]!.code === "MS3013");
  assert.deepEqual(readdirSync(sub), []);
});

for (const writeInWorker of [false, true]) {
  test(`a fill that fails midway, with the sha256 worker running${writeInWorker ? " and the write worker" : ""}, rejects with its error and leaves no file (and no worker: the test process ends)`, async () => {
    const sub = mkdtempSync(path.join(dir, "fill-fail-"));
    const failing: GgufWriteInput = { metadata: [], tensors: [fillTensor("big", 6 << 20, 1), fillTensor("h", 1 << 20, 2, { fail: 1000 })] };
    await assert.rejects(writeGguf(path.join(sub, "bad.gguf"), failing, undefined, { hashInWorker: true, writeInWorker }), /tensor h failed at 0/);
    assert.deepEqual(readdirSync(sub), []);
  });
}

test("a tensor that fails midway rejects with its error and leaves no file, not even the temporary one", async () => {
  const sub = mkdtempSync(path.join(dir, "fail-"));
  await assert.rejects(writeGguf(path.join(sub, "bad.gguf"), input(96)), /tensor a failed at 96/);
  assert.deepEqual(readdirSync(sub), []);
});

test("an input promise that rejects, with both workers started, rejects with its error and leaves no file (and no worker: the test process ends)", async () => {
  const sub = mkdtempSync(path.join(dir, "input-fail-"));
  const rejected = new Promise<GgufWriteInput>((_, reject) => setTimeout(() => reject(new Error("no vocabulary")), 20));
  await assert.rejects(writeGguf(path.join(sub, "bad.gguf"), rejected, undefined, { hashInWorker: true, writeInWorker: true }), /no vocabulary/);
  assert.deepEqual(readdirSync(sub), []);
});

test("a write that fails in the write worker rejects with the errno error as it is (ENOSPC from /dev/full keeps its code, so the CLI reports MS5109)", async () => {
  const fd = openSync("/dev/full", "w");
  const writer = new WorkerWriter(fd);
  try {
    const buf = new Uint8Array(new SharedArrayBuffer(1 << 20));
    await assert.rejects(writer.write(buf, buf.length, 0), (e: NodeJS.ErrnoException) => e instanceof Error && e.code === "ENOSPC" && e.syscall === "write" && /no space left on device/.test(e.message));
    // The worker is still there for the next request, and close waits for it.
    await assert.rejects(writer.write(buf, 10, 0), (e: NodeJS.ErrnoException) => e.code === "ENOSPC");
  } finally {
    await writer.close();
    closeSync(fd);
  }
});
