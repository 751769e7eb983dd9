import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Store } from "../../src/store/index.js";
import { filesUnder, rejection, tempStore } from "./helpers.js";

const HELLO = "hello modelsmith\n";
const HELLO_DIGEST = "sha256:e632f1904ee6fcfa90269f72afb9eafce7738f97c549c14ccdc44547052b0e6f";

describe("blobs", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  it("stores a buffer under blobs/sha256-<hex>, read-only, with the exact digest", async () => {
    const put = await store.putBlobFromBuffer(HELLO);
    assert.deepEqual(put, { digest: HELLO_DIGEST, size: 17, existed: false });
    const file = path.join(store.root, "blobs", "sha256-e632f1904ee6fcfa90269f72afb9eafce7738f97c549c14ccdc44547052b0e6f");
    assert.equal(store.blobPath(HELLO_DIGEST), file);
    assert.equal(await readFile(file, "utf8"), HELLO);
    assert.equal((await stat(file)).mode & 0o777, 0o444);
    assert.equal(await store.hasBlob(HELLO_DIGEST), true);
    assert.equal(await store.hasBlob("sha256-E632F1904EE6FCFA90269F72AFB9EAFCE7738F97C549C14CCDC44547052B0E6F"), true);
    assert.deepEqual(await store.verifyBlob(HELLO_DIGEST), { digest: HELLO_DIGEST, status: "ok", size: 17 });
    assert.deepEqual(await filesUnder(path.join(store.root, "tmp")), [], "no temp file is left");
  });

  it("stores a stream in chunks with the same digest, and knows when it already had it", async () => {
    async function* chunks() {
      yield Buffer.from("hello ");
      yield Buffer.from("modelsmith\n");
    }
    assert.deepEqual(await store.putBlobFromStream(chunks(), { expectedDigest: HELLO_DIGEST, expectedSize: 17 }), { digest: HELLO_DIGEST, size: 17, existed: true });
    assert.deepEqual(await store.putBlobFromStream([]), { digest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", size: 0, existed: false });
  });

  it("re-putting a blob it has moves its ctime to now (the age gc goes by), not its mtime", async () => {
    const file = store.blobPath(HELLO_DIGEST);
    const before = await stat(file);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await store.putBlobFromBuffer(HELLO)).existed, true);
    const after = await stat(file);
    assert.ok(after.ctimeMs > before.ctimeMs, `ctime ${before.ctimeMs} -> ${after.ctimeMs}`);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(after.ino, before.ino);
  });

  it("leaves nothing behind when the content does not match the expected digest", async () => {
    const before = await filesUnder(store.root);
    const r = await rejection(store.putBlobFromBuffer("tampered", { expectedDigest: HELLO_DIGEST.replace("e632", "0000") }));
    assert.deepEqual(r, { code: "MS5104", kind: "environment", message: "content has digest sha256:d121be3103007b41edf96f8262925f8c7d61894afe9a041843b631f69445bc57, expected sha256:0000f1904ee6fcfa90269f72afb9eafce7738f97c549c14ccdc44547052b0e6f" });
    assert.deepEqual(await filesUnder(store.root), before);
  });

  it("stops reading as soon as the content is longer than expected, and leaves nothing", async () => {
    const before = await filesUnder(store.root);
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024, 1);
      }
    }
    const r = await rejection(store.putBlobFromStream(endless(), { expectedSize: 4096 }));
    assert.equal(r.code, "MS5104");
    assert.equal(r.message, "content is longer than the expected 4096 bytes");
    assert.equal(pulled, 5);
    assert.deepEqual(await filesUnder(store.root), before);
  });

  it("leaves nothing when the source fails half way, and passes its error on", async () => {
    const before = await filesUnder(store.root);
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    async function* failing() {
      yield Buffer.from("partial");
      throw reset;
    }
    // The source's own error, unchanged: a dropped download is not "cannot write to the store".
    await assert.rejects(store.putBlobFromStream(failing()), (err) => err === reset);
    assert.deepEqual(await filesUnder(store.root), before);
  });

  it("reports a blob whose bytes changed, and a missing one", async () => {
    const { digest } = await store.putBlobFromBuffer("will be flipped");
    const file = store.blobPath(digest);
    const { chmod, writeFile } = await import("node:fs/promises");
    await chmod(file, 0o644);
    await writeFile(file, "will be flipped".replace("w", "W"));
    await chmod(file, 0o444);
    assert.deepEqual(await store.verifyBlob(digest), { digest, status: "mismatch", size: 15, actual: "sha256:d4f4e94fb695a59a2dcfa0271c444640aea7cd0b6e1d9ebabef4e66489754c69" });
    assert.deepEqual(await store.verifyBlob("sha256:" + "1".repeat(64)), { digest: "sha256:" + "1".repeat(64), status: "missing" });
  });

  it("reports a store it cannot write to as MS5109 (an environment problem, exit 3)", async () => {
    const { Store } = await import("../../src/store/index.js");
    const r = await rejection(new Store("/dev/null/store").putBlobFromBuffer("x"));
    assert.deepEqual([r.code, r.kind], ["MS5109", "environment"]);
    assert.match(r.message, /^cannot create a temp file: ENOTDIR/);
  });

  it("rejects malformed digests with MS5103", async () => {
    assert.throws(() => store.blobPath("sha256:abc"), (err: Error & { diagnostics?: Array<{ code: string }> }) => err.diagnostics?.[0]?.code === "MS5103");
    assert.equal((await rejection(store.putBlobFromBuffer("x", { expectedDigest: "md5:abc" }))).code, "MS5103");
  });
});
