import assert from "node:assert/strict";
import { constants } from "node:fs";
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { digestFile, StatCache, type Store } from "../../src/store/index.js";
import { filesUnder, rejection, tempStore } from "./helpers.js";

const WEIGHTS = "gguf weights v1";
const WEIGHTS_DIGEST = "sha256:402dec48773d29cbd1bc77a73ef5d5b7bf929102bffc2b0abaac6df03cc957d4";

describe("ingesting local files", () => {
  let store: Store;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, dir, cleanup } = await tempStore({ statCache: false })));
  after(() => cleanup());

  const source = async (name: string, content = WEIGHTS): Promise<string> => {
    const p = path.join(dir, "src", name);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, content, { mode: 0o644 });
    return p;
  };

  it("hardlinks a file on the same file system: same inode, read-only for both names", async () => {
    const file = await source("model.gguf");
    assert.deepEqual(await store.ingestFile(file), { digest: WEIGHTS_DIGEST, size: 15, method: "hardlink" });
    const [src, blob] = await Promise.all([stat(file), stat(store.blobPath(WEIGHTS_DIGEST))]);
    assert.equal(blob.ino, src.ino);
    assert.equal(blob.nlink, 2);
    assert.equal(blob.mode & 0o777, 0o444);
    assert.equal(src.mode & 0o777, 0o444, "the source is the blob: it is read-only too");
    // Ingesting it again finds the same inode in the store.
    assert.deepEqual(await store.ingestFile(file), { digest: WEIGHTS_DIGEST, size: 15, method: "hardlink" });
    assert.deepEqual(await filesUnder(path.join(store.root, "tmp")), []);
  });

  it("says `existing` for another file with bytes the store already has, and adds nothing", async () => {
    const before = await filesUnder(store.root);
    assert.deepEqual(await store.ingestFile(await source("copy-of-model.gguf")), { digest: WEIGHTS_DIGEST, size: 15, method: "existing" });
    assert.deepEqual(await filesUnder(store.root), before);
  });

  it("follows a symlink and stores the file it points to, never the link", async () => {
    const target = await source("target.gguf", "symlinked weights");
    const link = path.join(dir, "src", "link.gguf");
    await symlink(target, link);
    const r = await store.ingestFile(link);
    assert.equal(r.method, "hardlink");
    const blob = await stat(store.blobPath(r.digest));
    assert.equal(blob.ino, (await stat(target)).ino);
  });

  it("takes the digest a file's writer computed as it wrote it, without reading the file again (shown with a digest that is not its bytes'); a size that disagrees is MS5108", async () => {
    const file = await source("written.gguf", "bytes as written");
    const claimed = "sha256:" + "ab".repeat(32);
    assert.deepEqual(await store.ingestFile(file, { writtenDigest: { digest: claimed, size: 16 } }), { digest: claimed, size: 16, method: "hardlink" });
    assert.equal((await stat(store.blobPath(claimed))).ino, (await stat(file)).ino);
    const other = await source("grown.gguf", "bytes as written, and more");
    const err = await rejection(store.ingestFile(other, { writtenDigest: { digest: claimed, size: 16 } }));
    assert.equal(err.code, "MS5108");
  });

  it("copies when asked to, leaving the source untouched", async () => {
    const file = await source("copied.gguf", "copied weights");
    const r = await store.ingestFile(file, { methods: ["copy"] });
    assert.deepEqual(r, { digest: "sha256:4cbf63fc100ae3d122733f45cbee8131c08f54934c7992b3a06a316487bcba2f", size: 14, method: "copy" });
    const [src, blob] = await Promise.all([stat(file), stat(store.blobPath(r.digest))]);
    assert.notEqual(blob.ino, src.ino);
    assert.equal(src.mode & 0o777, 0o644);
    assert.equal(blob.mode & 0o777, 0o444);
    assert.equal(await readFile(store.blobPath(r.digest), "utf8"), "copied weights");
  });

  it("copies across file systems (a tmpfs source), where no link is possible", async (t) => {
    const shm = await mkdtemp("/dev/shm/ms-ingest-").catch(() => undefined);
    if (!shm) return t.skip("no /dev/shm");
    try {
      if ((await stat(shm)).dev === (await stat(dir)).dev) return t.skip("/dev/shm is on the same file system");
      const file = path.join(shm, "far.gguf");
      await writeFile(file, "weights on another file system");
      const r = await store.ingestFile(file);
      assert.equal(r.method, "copy");
      assert.equal(await readFile(store.blobPath(r.digest), "utf8"), "weights on another file system");
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it("clones with reflink where the file system can, and fails cleanly with MS5109 where it cannot", async () => {
    const file = await source("reflink.gguf", "reflinked weights");
    const probe = path.join(dir, "src", "probe");
    const canClone = await copyFile(file, probe, constants.COPYFILE_FICLONE_FORCE).then(() => true, () => false);
    const before = await filesUnder(store.root);
    if (canClone) {
      assert.equal((await store.ingestFile(file, { methods: ["reflink"] })).method, "reflink");
    } else {
      const r = await rejection(store.ingestFile(file, { methods: ["reflink"] }));
      assert.equal(r.code, "MS5109");
      assert.match(r.message, /\(tried reflink\)/);
      assert.deepEqual(await filesUnder(store.root), before);
    }
  });

  it("stores nothing and leaves the source's mode alone when the expected digest differs", async () => {
    const file = await source("wrong.gguf", "not what the lock says");
    const before = await filesUnder(store.root);
    const r = await rejection(store.ingestFile(file, { expectedDigest: WEIGHTS_DIGEST }));
    assert.equal(r.code, "MS5104");
    assert.equal(r.message, `${file} has digest sha256:2620b9cba2c44672f20c2cb7fdab0e601cb374ec9b8b07bacb886a73d01c0dc2, expected ${WEIGHTS_DIGEST}`);
    assert.deepEqual(await filesUnder(store.root), before);
    assert.equal((await stat(file)).mode & 0o777, 0o644);
  });

  it("consumes a temp file: removed, and the blob's next check does not hash it again", async () => {
    // Unlinking the temp file (a hardlink of the blob) moves the blob's ctime: the check record is taken after it.
    const file = await source("consumed.gguf", "consumed weights");
    const { digest } = await store.ingestFile(file, { consume: true });
    await assert.rejects(stat(file), { code: "ENOENT" });
    assert.deepEqual(await store.checkBlob(digest, 16), { status: "ok", hashed: false });
    // Without consume the caller's later unlink leaves a record the next check does not trust.
    const kept = await source("kept.gguf", "kept weights!");
    const k = await store.ingestFile(kept);
    await rm(kept);
    assert.deepEqual(await store.checkBlob(k.digest, 13), { status: "ok", hashed: true });
  });

  it("takes a digest its caller computed while writing, and still refuses one that is not the expected", async () => {
    const file = await source("known.gguf");
    assert.deepEqual(await store.ingestFile(file, { knownDigest: WEIGHTS_DIGEST, expectedDigest: WEIGHTS_DIGEST, consume: true }), { digest: WEIGHTS_DIGEST, size: 15, method: "existing" });
    const other = await source("other.gguf", "other weights");
    const wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    await assert.rejects(store.ingestFile(other, { knownDigest: wrong, expectedDigest: WEIGHTS_DIGEST }), /MS5104|has digest/);
  });

  it("notices a hardlinked source written in place: verify names the mismatch", async () => {
    const file = await source("edited.gguf", "original weights");
    const { digest } = await store.ingestFile(file);
    // Root ignores 0444; anyone else is refused here. Either way the store must notice.
    if (process.getuid?.() !== 0) {
      await assert.rejects(appendFile(file, "x"), { code: "EACCES" });
      return;
    }
    await appendFile(file, " edited");
    const check = await store.verifyBlob(digest);
    assert.equal(check.status, "mismatch");
  });
});

describe("the stat cache", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempStore()));
  after(() => cleanup());

  const old = new Date(Date.now() - 3600_000);

  it("hashes an unchanged file once; size, mtime or inode changes re-hash", async () => {
    const cacheFile = path.join(dir, "cache", "stat-digests.json");
    const file = path.join(dir, "big.gguf");
    await writeFile(file, WEIGHTS);
    await utimes(file, old, old);
    const first = await digestFile(file, new StatCache(cacheFile));
    assert.equal(first.digest, WEIGHTS_DIGEST);
    assert.equal(first.cached, false);
    // A new StatCache reads what the first one saved.
    const cache = new StatCache(cacheFile);
    const second = await digestFile(file, cache);
    assert.deepEqual([second.digest, second.cached], [WEIGHTS_DIGEST, true]);
    const saved = JSON.parse(await readFile(cacheFile, "utf8")) as { version: number; entries: Record<string, { digest: string; size: string }> };
    assert.equal(saved.version, 1);
    assert.deepEqual([saved.entries[file]?.digest, saved.entries[file]?.size], [WEIGHTS_DIGEST, "15"]);

    // Proof that a hit reads nothing: same size, same mtime, same inode, other bytes.
    await writeFile(file, WEIGHTS.replace("v1", "v2"));
    await utimes(file, old, old);
    assert.deepEqual([(await digestFile(file, cache)).digest, (await digestFile(file, cache)).cached], [WEIGHTS_DIGEST, true]);

    // A new mtime re-hashes.
    const older = new Date(old.getTime() - 1000);
    await utimes(file, older, older);
    const v2 = await digestFile(file, cache);
    assert.deepEqual([v2.digest, v2.cached], ["sha256:3a58899ecd9f3c8af8219f2398e193ab0cac07fd691773ced19fdb19df5cf1d7", false]);

    // A new inode (a file replaced by rename) re-hashes, even with size and mtime kept.
    const replacement = path.join(dir, "replacement");
    await writeFile(replacement, WEIGHTS);
    await utimes(replacement, older, older);
    await rename(replacement, file);
    const v1 = await digestFile(file, cache);
    assert.deepEqual([v1.digest, v1.cached], [WEIGHTS_DIGEST, false]);
  });

  it("does not trust an entry for a file modified in the same moment it was hashed", async () => {
    const cache = new StatCache(path.join(dir, "cache", "racy.json"));
    const file = path.join(dir, "fresh.gguf");
    await writeFile(file, "just written");
    assert.equal((await digestFile(file, cache)).cached, false);
    assert.equal((await digestFile(file, cache)).cached, false, "mtime within 2 s of hashing: racy, hash again");
  });

  it("treats a missing or garbled cache file as empty", async () => {
    const cacheFile = path.join(dir, "cache", "garbled.json");
    await writeFile(cacheFile, "{ not json");
    const file = path.join(dir, "g.gguf");
    await writeFile(file, WEIGHTS);
    await utimes(file, old, old);
    assert.equal((await digestFile(file, new StatCache(cacheFile))).cached, false);
    assert.equal((await digestFile(file, new StatCache(cacheFile))).cached, true);
  });
});
