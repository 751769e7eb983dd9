/**
 * Issue 3: a local base file is ingested by hardlink, so the user's file IS
 * the blob (one inode, made read-only). What happens when the user rewrites
 * it:
 *
 * - editor-style (write a new file, rename it over): a new inode. The store's
 *   blob keeps the old bytes, intact; the next build misses the stat cache
 *   (inode), re-hashes, says the file changed (MS5210) and builds from the
 *   new bytes.
 * - in place after `chmod u+w` (or as root): the blob's bytes change with
 *   it. `verify` catches it (exit 1, naming the models); the next build
 *   re-hashes (mtime), says so, and removes the old digest's blob, which no
 *   longer holds that digest's bytes.
 * - in place with size and mtime put back (`cp -p`, `touch -r`): the stat
 *   cache is fooled, the blob check is not (ctime): the blob is found
 *   corrupt (MS5111), removed, and the file re-hashed.
 *
 * In no case is the old digest used for the new bytes.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { writeTestModel } from "../../src/testmodels/writeTestModel.js";
import { blobFile, buildDoc, buildLog, modelLayer, ms, problemLines, project, sha256 } from "./helpers.js";

const FILES = {
  "modelsmith.yaml": "models:\n  chat:\n    modelfile: Modelfile\n",
  Modelfile: "FROM ./model.gguf\nSYSTEM terse\n",
};

/** A random llama's bytes; every seed gives the same size. */
async function model(dir: string, seed: number): Promise<Buffer> {
  const file = path.join(dir, `seed-${seed}.gguf`);
  await writeTestModel(file, { kind: "random", name: "random", seed, tensorType: "F16", nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 4, nFf: 256, vocabSize: 300, contextLength: 256 });
  return readFileSync(file);
}

const changed = (from: string, to: string, hint: string) =>
  `Modelfile:1:6: warning[MS5210]: ./model.gguf changed since models.lock was written: its bytes now have digest ${to} (models.lock: ${from}); building from the new bytes\n` +
  " 1 | FROM ./model.gguf\n   |      ^^^^^^^^^^^^\n" +
  `hint: ${hint}\n`;
const PIN_HINT = "pin the file (FROM ./model.gguf@sha256:…) to make a change an error";

test("a hardlinked base file rewritten by rename, in place, and in place with its mtime restored", async (t) => {
  const { dir, home } = project(t, FILES);
  const [v1, v2, v3, v4] = await Promise.all([1, 2, 3, 4].map((seed) => model(path.dirname(dir), seed))) as [Buffer, Buffer, Buffer, Buffer];
  assert.equal(new Set([v1.length, v2.length, v3.length, v4.length]).size, 1, "the same size");
  const source = path.join(dir, "model.gguf");
  writeFileSync(source, v1);

  const first = await ms(home, dir, "build", "--json");
  assert.equal(first.exitCode, 0, first.stderr);
  const d1 = sha256(v1);
  assert.equal(modelLayer(home, "chat").digest, d1);
  const st = statSync(source);
  assert.deepEqual([st.ino, st.nlink, st.mode & 0o777], [statSync(blobFile(home, d1)).ino, 2, 0o444], "the user's file is the blob, read-only");
  if (process.getuid?.() !== 0) assert.throws(() => writeFileSync(source, v2), { code: "EACCES" });

  // 1. Editor-style: new file, renamed over. The blob keeps its inode and its bytes.
  writeFileSync(`${source}.new`, v2);
  renameSync(`${source}.new`, source);
  const d2 = sha256(v2);
  const b1 = await ms(home, dir, "build", "--json");
  assert.equal(b1.exitCode, 0, b1.stderr);
  assert.equal(buildDoc(b1).stepsRun, 1);
  assert.equal(buildLog(b1.stderr), "assemble chat:latest: done in …\n" + changed(d1, d2, PIN_HINT));
  assert.equal(modelLayer(home, "chat").digest, d2);
  assert.ok(readFileSync(blobFile(home, d1)).equals(v1), "the old blob is intact (prune removes it)");
  assert.equal(statSync(blobFile(home, d2)).ino, statSync(source).ino);
  assert.equal((await ms(home, dir, "verify")).exitCode, 0);

  // 2. In place, after chmod: the blob of d2 now holds other bytes.
  chmodSync(source, 0o644);
  writeFileSync(source, v3);
  // An hour old: a file written within 2 s of being hashed is never trusted to the stat cache (racy), and part 3 needs it trusted.
  execFileSync("touch", ["-d", "1 hour ago", source]);
  const d3 = sha256(v3);
  const v = await ms(home, dir, "verify");
  assert.equal(v.exitCode, 1);
  assert.deepEqual(problemLines(v.stderr).slice(-2), [
    `${blobFile(home, d2)}: error[MS5301]: blob ${d2} does not match its digest (its content hashes to ${d3}); used by chat:latest`,
    "hint: rebuild or pull chat:latest (or remove them with `modelsmith rm`), then run `modelsmith prune`",
  ]);
  const b2 = await ms(home, dir, "build", "--json");
  assert.equal(b2.exitCode, 0, b2.stderr);
  assert.equal(
    buildLog(b2.stderr),
    "assemble chat:latest: done in …\n" +
      changed(d2, d3, `it was written in place while it was the store's blob of ${d2} (hardlinked), so that blob was removed; write model files to a new name and rename them over, or ${PIN_HINT}`),
  );
  assert.equal(existsSync(blobFile(home, d2)), false, "the blob that lost its bytes is gone");
  assert.equal(modelLayer(home, "chat").digest, d3);
  assert.equal(statSync(source).mode & 0o777, 0o444, "read-only again");
  assert.equal((await ms(home, dir, "verify")).exitCode, 0);

  // 3. In place with size and mtime put back: the stat cache hits, the blob check does not.
  // `touch -r` copies timestamps to the nanosecond (utimensat), as `cp -p` does.
  const stamp = path.join(path.dirname(dir), "stamp");
  writeFileSync(stamp, "");
  execFileSync("touch", ["-r", source, stamp]);
  const before = statSync(source, { bigint: true });
  chmodSync(source, 0o644);
  writeFileSync(source, v4);
  execFileSync("touch", ["-r", stamp, source]);
  const now = statSync(source, { bigint: true });
  assert.deepEqual([now.ino, now.size, now.mtimeNs], [before.ino, before.size, before.mtimeNs], "what the stat cache compares is unchanged");
  const d4 = sha256(v4);
  const b3 = await ms(home, dir, "build", "--json");
  assert.equal(b3.exitCode, 0, b3.stderr);
  assert.equal(
    buildLog(b3.stderr),
    "assemble chat:latest: done in …\n" +
      `${blobFile(home, d3)}: warning[MS5111]: blob ${d3} was corrupt (its content hashes to ${d4}); removed it and made it again\n` +
      "hint: something wrote into the store (a disk fault, or a hardlinked model file edited in place); `modelsmith verify` checks every blob\n" +
      changed(d3, d4, PIN_HINT),
  );
  assert.equal(modelLayer(home, "chat").digest, d4);
  assert.equal(existsSync(blobFile(home, d3)), false);
  assert.equal((await ms(home, dir, "verify")).exitCode, 0);

  const noop = await ms(home, dir, "build", "--json");
  assert.deepEqual([noop.exitCode, buildDoc(noop).stepsRun, buildLog(noop.stderr)], [0, 0, "assemble chat:latest: cached\n"]);
});
