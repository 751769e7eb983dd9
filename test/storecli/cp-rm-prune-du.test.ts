import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { fromRoot } from "../helpers/paths.js";
import { bytesOf, seededStore, type SeededStore } from "./helpers.js";

interface DuDoc {
  models: Array<{ name: string; digest: string; totalBytes: number; uniqueBytes: number; sharedBytes: number }>;
  referencedBytes: number;
  unreferencedBytes: number;
  tempBytes: number;
  totalBytes: number;
  linkedBytes: number;
  missing: string[];
}

describe("modelsmith cp, rm, prune and du (subprocess)", () => {
  let s: SeededStore;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, { env });
  const du = async (): Promise<DuDoc> => {
    const r = await cli("du", "--json");
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout) as DuDoc;
  };
  const blobFiles = async () => (await readdir(path.join(s.home, "blobs"))).sort();
  const layersA = () => [s.layers.model, s.layers.configA, s.layers.template, s.layers.system, s.layers.params, s.layers.messages, s.layers.license];
  const layersB = () => [s.layers.model, s.layers.configB, s.layers.systemB, s.layers.paramsB];

  before(async () => {
    s = await seededStore();
    env = { MODELSMITH_HOME: s.home };
  });
  after(() => s.cleanup());

  it("du: per model total, unique and shared bytes, and the store total, exactly", async () => {
    const d = await du();
    const all = bytesOf(...layersA(), ...layersB());
    assert.equal(all, 7_324_664);
    const a = bytesOf(...layersA());
    const b = bytesOf(...layersB());
    assert.deepEqual(
      d.models.map(({ name, totalBytes, uniqueBytes, sharedBytes }) => ({ name, totalBytes, uniqueBytes, sharedBytes })),
      [
        { name: "code-assistant:latest", totalBytes: a, uniqueBytes: a - s.layers.model.size, sharedBytes: s.layers.model.size },
        { name: "json-extractor:latest", totalBytes: b, uniqueBytes: b - s.layers.model.size, sharedBytes: s.layers.model.size },
      ],
    );
    assert.deepEqual({ ...d, models: [] }, { models: [], referencedBytes: all, unreferencedBytes: 0, tempBytes: 0, totalBytes: all, linkedBytes: 0, missing: [] });
    const text = await cli("du");
    assert.equal(
      text.stdout,
      [
        "NAME                     SIZE      UNIQUE    SHARED",
        "code-assistant:latest    7.3 MB    1.0 KB    7.3 MB",
        "json-extractor:latest    7.3 MB    450 B     7.3 MB",
        "",
        "store total 7.3 MB: models 7.3 MB, unreferenced 0 B (prune), temp files 0 B",
        "",
      ].join("\n"),
    );
  });

  it("cp copies only the manifest: same digest, zero new blob bytes", async () => {
    const before = await du();
    const files = await blobFiles();
    const r = await cli("cp", "code-assistant", "backup");
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, "copied 'code-assistant:latest' to 'backup:latest'\n", ""]);
    assert.deepEqual(await blobFiles(), files);
    const after = await du();
    assert.equal(after.totalBytes, before.totalBytes);
    assert.equal(after.referencedBytes, before.referencedBytes);
    const a = bytesOf(...layersA());
    const byName = Object.fromEntries(after.models.map((m) => [m.name, m]));
    assert.deepEqual(Object.keys(byName), ["backup:latest", "code-assistant:latest", "json-extractor:latest"]);
    assert.equal(byName["backup:latest"]!.digest, byName["code-assistant:latest"]!.digest);
    // Every blob of code-assistant is now shared: removing one of the two frees nothing.
    for (const n of ["backup:latest", "code-assistant:latest"]) assert.deepEqual(byName[n], { ...byName[n]!, totalBytes: a, uniqueBytes: 0, sharedBytes: a });
    const j = await cli("cp", "backup", "team/backup:v1", "--json");
    assert.deepEqual(JSON.parse(j.stdout), { source: "backup:latest", destination: "team/backup:v1", digest: byName["backup:latest"]!.digest });
  });

  it("rm of a name that does not exist removes nothing and exits 2 with a did-you-mean", async () => {
    const r = await cli("rm", "team/backup:v1", "code-asistant");
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, "error[MS5102]: model code-asistant:latest not found in the store\nhint: did you mean `code-assistant:latest`?\n");
    assert.equal((await du()).models.length, 4);
  });

  it("rm removes manifests, then only the blobs no other model uses", async () => {
    const shared = await cli("rm", "team/backup:v1", "backup");
    assert.equal(shared.exitCode, 0, shared.stderr);
    assert.equal(shared.stdout, "deleted 'team/backup:v1'\ndeleted 'backup:latest'\nfreed 0 B (0 blobs)\n");
    const files = await blobFiles();
    const r = await cli("rm", "code-assistant", "--json");
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { removed: unknown; freed: Array<{ digest: string; size: number }>; freedBytes: number };
    const own = layersA().filter((l) => l.digest !== s.layers.model.digest);
    assert.deepEqual(doc.removed, [{ name: "code-assistant:latest", digest: "sha256:08cfa9aa19bac139a45465a2a6e03639bdeab765b09cd9ebaa427032d215545a" }]);
    assert.deepEqual(doc.freed, own.map((l) => ({ digest: l.digest, size: l.size })).sort((x, y) => (x.digest < y.digest ? -1 : 1)));
    assert.equal(doc.freedBytes, bytesOf(...own));
    assert.deepEqual(await blobFiles(), files.filter((f) => !own.some((l) => f === l.digest.replace(":", "-"))));
    const d = await du();
    assert.deepEqual(d.models.map((m) => m.name), ["json-extractor:latest"]);
    assert.equal(d.totalBytes, bytesOf(...layersB()));
  });

  it("prune deletes exactly the unreferenced blobs older than --grace and the temp files of dead processes", async () => {
    // Put by a process that has ended: no live writer keeps it (this test process pins what it writes itself).
    const orphan = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", `import { Store } from ${JSON.stringify(fromRoot("dist/src/store/index.js"))}; console.log(JSON.stringify(await new Store(process.argv[1]).putBlobFromBuffer("an orphan layer no manifest uses")));`, s.home], { encoding: "utf8" }),
    ) as { digest: string; size: number };
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const abandoned = path.join(s.home, "tmp", `blob-${dead}-0123456789ab.tmp`);
    await mkdir(path.join(s.home, "tmp"), { recursive: true });
    await writeFile(abandoned, "half a blob");
    await writeFile(path.join(s.home, "tmp", "notes.txt"), "not modelsmith's");
    const dry = await cli("prune", "--dry-run");
    assert.equal(dry.stdout, `would delete temp file ${abandoned} (11 B)\nwould free 11 B (0 blobs, 1 temp file)\n`);
    const young = await cli("prune");
    assert.equal(young.exitCode, 0, young.stderr);
    assert.equal(young.stdout, `deleted temp file ${abandoned} (11 B)\nfreed 11 B (0 blobs, 1 temp file)\n`);
    assert.equal(young.stderr, "kept 1 unused blob younger than 1h; `--grace 0` deletes it too\n");
    const before = await du();
    assert.deepEqual([before.unreferencedBytes, before.tempBytes], [orphan.size, 16]);

    const files = await blobFiles();
    const r = await cli("prune", "--grace", "0", "--json");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { dryRun: false, removedBlobs: [{ digest: orphan.digest, size: 32 }], removedTemp: [], keptYoung: [], freedBytes: 32 });
    assert.deepEqual(await blobFiles(), files.filter((f) => f !== orphan.digest.replace(":", "-")));
    const after = await du();
    assert.deepEqual([after.unreferencedBytes, after.tempBytes, after.totalBytes], [0, 16, bytesOf(...layersB()) + 16]);
    await rm(path.join(s.home, "tmp", "notes.txt"));
  });

  it("prune refuses a bad --grace (exit 2) and a store with an unreadable manifest (exit 3)", async () => {
    const bad = await cli("prune", "--grace", "5x");
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /^error\[MS5305\]: invalid duration "5x" for --grace\nhint: write a number and a unit/);
    const corrupt = path.join(s.home, "manifests", "registry.ollama.ai", "library", "broken", "latest");
    await mkdir(path.dirname(corrupt), { recursive: true });
    await writeFile(corrupt, "{not json");
    const r = await cli("prune", "--grace", "0");
    assert.equal(r.exitCode, 3);
    assert.match(r.stderr, /error\[MS5110\]: not pruning: 1 manifest cannot be read, and the blobs it uses are unknown/);
    const rm = await cli("rm", "json-extractor");
    assert.equal(rm.exitCode, 0, rm.stderr);
    assert.match(rm.stderr, /warning\[MS5306\]: kept the removed models' blobs: 1 manifest in the store cannot be read/);
    assert.equal(rm.stdout, "deleted 'json-extractor:latest'\nfreed 0 B (0 blobs)\n");
    assert.equal((await du()).unreferencedBytes, bytesOf(...layersB()));
  });
});
