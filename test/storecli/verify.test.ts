import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmod, readFile, unlink, writeFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { seededStore, type SeededStore } from "./helpers.js";

describe("modelsmith verify (subprocess)", () => {
  let s: SeededStore;
  let env: Record<string, string>;
  before(async () => {
    s = await seededStore();
    env = { MODELSMITH_HOME: s.home };
  });
  after(() => s.cleanup());

  it("exits 0 when every blob matches its digest", async () => {
    const r = await runCli(["verify"], { env });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "verified 10 blobs (7.3 MB): every one matches its digest\n");
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("ok ")).length, 10);
    const j = await runCli(["verify", "--json"], { env });
    assert.deepEqual(JSON.parse(j.stdout), { ok: true, checkedBlobs: 10, checkedBytes: 7_324_664, problems: [], diagnostics: [] });
  });

  it("exits 1 after one flipped byte, naming the blob and every model that uses it", async () => {
    const file = s.store.blobPath(s.layers.model.digest);
    const bytes = await readFile(file);
    bytes[bytes.length - 100] ^= 0x01;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

    const r = await runCli(["verify"], { env });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr.split("\n").filter((l) => !/^(ok|mismatch) /.test(l)).join("\n"),
      `${file}: error[MS5301]: blob ${s.layers.model.digest} does not match its digest (its content hashes to ${actual}); used by code-assistant:latest, json-extractor:latest\n` +
        "hint: rebuild or pull code-assistant:latest, json-extractor:latest (or remove them with `modelsmith rm`), then run `modelsmith prune`\n",
    );

    const j = await runCli(["verify", "--json"], { env });
    assert.equal(j.exitCode, 1);
    const doc = JSON.parse(j.stdout) as { ok: boolean; problems: unknown; diagnostics: Array<{ code: string }> };
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.problems, [{ digest: s.layers.model.digest, kind: "mismatch", actual, usedBy: ["code-assistant:latest", "json-extractor:latest"], path: file }]);
    assert.deepEqual(doc.diagnostics.map((d) => d.code), ["MS5301"]);
  });

  it("reports a missing blob (MS5302) with the one model that needs it", async () => {
    await unlink(s.store.blobPath(s.layers.systemB.digest));
    const r = await runCli(["verify", "--json"], { env });
    assert.equal(r.exitCode, 1);
    const doc = JSON.parse(r.stdout) as { checkedBlobs: number; problems: Array<{ digest: string; kind: string; usedBy: string[] }>; diagnostics: Array<{ code: string; message: string }> };
    assert.equal(doc.checkedBlobs, 9);
    const sorted = [s.layers.model.digest, s.layers.systemB.digest].sort();
    assert.deepEqual(doc.problems.map((p) => p.digest), sorted);
    const missing = doc.diagnostics.find((d) => d.code === "MS5302")!;
    assert.equal(missing.message, `blob ${s.layers.systemB.digest} is missing from the store; used by json-extractor:latest`);
  });
});
