/**
 * PrefixHasher (src/registry/prefix-hash.ts): a download of parallel ranges
 * is hashed while it arrives, chunk by chunk in file order, whatever order
 * the chunks finish in; the digest is the file's.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { PrefixHasher } from "../../src/registry/prefix-hash.js";

const CHUNK = 1000;

async function withFile(t: { after: (fn: () => void) => void }, size: number) {
  const dir = mkdtempSync(path.join(tmpdir(), "ms-prefix-hash-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fh = await open(path.join(dir, "part"), "w+");
  t.after(() => void fh.close().catch(() => {}));
  await fh.truncate(size);
  return fh;
}

test("chunks finishing out of order hash to the digest of the whole file", async (t) => {
  const bytes = randomBytes(5 * CHUNK + 123);
  const fh = await withFile(t, bytes.length);
  const done = new Set<number>();
  const hasher = new PrefixHasher(fh, bytes.length, CHUNK, (i) => done.has(i));
  // Last chunk first, then the middle ones, the first chunk last: nothing can be hashed until it is done.
  for (const i of [5, 3, 4, 1, 2, 0]) {
    const piece = bytes.subarray(i * CHUNK, Math.min(bytes.length, (i + 1) * CHUNK));
    await fh.write(piece, 0, piece.length, i * CHUNK);
    done.add(i);
    hasher.advance();
  }
  assert.equal(await hasher.digest(), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
});

test("a digest is refused while a chunk is missing, after a stop, and for a short file", async (t) => {
  const bytes = randomBytes(3 * CHUNK);
  const fh = await withFile(t, bytes.length);
  await fh.write(bytes, 0, bytes.length, 0);
  const missing = new PrefixHasher(fh, bytes.length, CHUNK, (i) => i !== 1);
  assert.equal(await missing.digest(), undefined);
  const stopped = new PrefixHasher(fh, bytes.length, CHUNK, () => true);
  await stopped.stop();
  assert.equal(await stopped.digest(), undefined);
  // A file shorter than the size it was said to have: a read comes back empty.
  const short = new PrefixHasher(fh, bytes.length + CHUNK, CHUNK, () => true);
  assert.equal(await short.digest(), undefined);
});

test("an empty blob hashes to the empty digest", async (t) => {
  const fh = await withFile(t, 0);
  const hasher = new PrefixHasher(fh, 0, CHUNK, (i) => i === 0);
  assert.equal(await hasher.digest(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});
