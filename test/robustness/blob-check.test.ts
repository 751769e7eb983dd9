/**
 * Store.checkBlob, the check a build runs on each blob it relies on: size
 * always, content only when the blob's inode, size, mtime or ctime moved since
 * it was last known good. Pinned here: when it hashes (`hashed`) and when not.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Store } from "../../src/store/store.js";
import { sha256, tempDir } from "./helpers.js";

test("a blob ingested by hardlink is trusted by its recorded stat until its ctime moves", async (t) => {
  const dir = tempDir(t);
  const store = new Store(path.join(dir, "home"));
  const file = path.join(dir, "weights.gguf");
  writeFileSync(file, "GGUF weights v1");
  const { digest, size, method } = await store.ingestFile(file);
  assert.deepEqual([method, digest, size], ["hardlink", sha256(Buffer.from("GGUF weights v1")), 15]);
  assert.deepEqual(await store.checkBlob(digest, size), { status: "ok", hashed: false }, "ingest recorded it: no hashing");
  assert.deepEqual(await store.checkBlob(digest), { status: "ok", hashed: false });

  chmodSync(file, 0o444); // same mode, new ctime
  assert.deepEqual(await store.checkBlob(digest, size), { status: "ok", hashed: true });
  assert.deepEqual(await store.checkBlob(digest, size), { status: "ok", hashed: false }, "recorded again after hashing");
  const records = JSON.parse(readFileSync(path.join(dir, "home", "cache", "blob-checks.json"), "utf8")) as { version: number; entries: Record<string, Record<string, string>> };
  assert.deepEqual([records.version, Object.keys(records.entries), Object.keys(records.entries[digest]!)], [1, [digest], ["ino", "size", "mtimeNs", "ctimeNs"]]);

  // Written in place with the same size, mtime put back: ctime still tells.
  const stamp = path.join(dir, "stamp");
  writeFileSync(stamp, "");
  execFileSync("touch", ["-r", file, stamp]);
  chmodSync(file, 0o644);
  writeFileSync(file, "GGUF weights v2");
  execFileSync("touch", ["-r", stamp, file]);
  const check = await store.checkBlob(digest, size);
  assert.equal(check.status, "corrupt");
  assert.deepEqual({ ...check, ino: undefined }, { status: "corrupt", reason: "digest", actual: sha256(Buffer.from("GGUF weights v2")), size: 15, ino: undefined });
  assert.equal(existsSync(store.blobPath(digest)), false, "the corrupt blob is removed from the store");
  assert.equal(readFileSync(file, "utf8"), "GGUF weights v2", "the user's file stays");
  assert.deepEqual(await store.checkBlob(digest, size), { status: "missing" });
});

test("a small layer is hashed on its first check only; a wrong size is corrupt without hashing", async (t) => {
  const store = new Store(path.join(tempDir(t), "home"));
  const { digest, size } = await store.putBlobFromBuffer("SYSTEM terse");
  assert.deepEqual(await store.checkBlob(digest, size), { status: "ok", hashed: true });
  assert.deepEqual(await store.checkBlob(digest, size), { status: "ok", hashed: false });
  const file = store.blobPath(digest);
  chmodSync(file, 0o644);
  appendFileSync(file, "!");
  const check = await store.checkBlob(digest, size);
  assert.deepEqual({ ...check, ino: undefined }, { status: "corrupt", reason: "size", size: 13, expectedSize: 12, ino: undefined });
  assert.equal(existsSync(file), false);
  // A blob that is someone else's good copy by now (another inode) is not removed.
  const again = await store.putBlobFromBuffer("SYSTEM terse");
  await store.discardBlob(digest, 1n);
  assert.equal(existsSync(store.blobPath(again.digest)), true);
});
