import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CONFIG_MEDIA_TYPE,
  displayShortest,
  LAYER_MEDIA_TYPES,
  makeManifest,
  makeModelConfig,
  serializeModelConfig,
  sha256Digest,
  type Digest,
  type Store,
} from "../../src/store/index.js";
import { filesUnder, rejection, tempStore } from "./helpers.js";

const W = "w".repeat(4096);
const W2 = "c".repeat(2048);

/** Puts a model (weights + system + config) and writes its manifest; returns the digests. */
async function buildModel(store: Store, name: string, weights: string, system: string) {
  const model = await store.putLayer(LAYER_MEDIA_TYPES.model, weights);
  const sys = await store.putLayer(LAYER_MEDIA_TYPES.system, system);
  const config = await store.putLayer(CONFIG_MEDIA_TYPE, serializeModelConfig(makeModelConfig({ modelFamily: "llama", modelType: "1M", fileType: "F16", layerDigests: [model.digest, sys.digest] })));
  const written = await store.writeManifest(name, makeManifest(config, [model, sys]));
  return { model: model.digest, system: sys.digest, config: config.digest, manifest: written.digest, configSize: config.size };
}

/** A pid no process has: one of a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

const blobName = (d: string): string => `blobs/sha256-${d.slice(7)}`;

describe("the store: manifests, cp, rm, gc, du", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let a: Awaited<ReturnType<typeof buildModel>>;
  let b: Awaited<ReturnType<typeof buildModel>>;
  let c: Awaited<ReturnType<typeof buildModel>>;
  before(async () => {
    ({ store, cleanup } = await tempStore());
    a = await buildModel(store, "code-assistant", W, "You are a code assistant.");
    b = await buildModel(store, "json-extractor", W, "Extract JSON.");
    c = await buildModel(store, "acme/creative-writer:v1", W2, "Write.");
  });
  after(() => cleanup());

  it("lays the files out exactly as Ollama does, with pinned digests", async () => {
    assert.equal(a.model, "sha256:7b962f03e77f96fa63cc31c4a1b7f1f6e0e977abb65a19e51d93fe5b74907213");
    assert.equal(a.manifest, "sha256:87f63780b35da7c61764c3205fcf089c4dafe4cbf83092f19b16c5e572de1ff5");
    // writers/: this (live) process's lease, removed when it exits (writer-lease.ts).
    const files = (await filesUnder(store.root)).filter((f) => !f.startsWith("tmp/") && !f.startsWith("cache/") && !f.startsWith("writers/"));
    assert.deepEqual(files, [
      ...[a.model, a.system, a.config, b.system, b.config, c.model, c.system, c.config].map(blobName).sort(),
      "manifests/registry.ollama.ai/acme/creative-writer/v1",
      "manifests/registry.ollama.ai/library/code-assistant/latest",
      "manifests/registry.ollama.ai/library/json-extractor/latest",
    ]);
    const stored = await store.readManifest("code-assistant:latest");
    assert.equal(stored.digest, a.manifest);
    assert.equal(sha256Digest(await readFile(stored.path)), a.manifest);
    assert.deepEqual(stored.manifest.layers.map((l) => l.mediaType), [LAYER_MEDIA_TYPES.model, LAYER_MEDIA_TYPES.system]);
  });

  it("assembles a manifest: config blob from the model's facts and its layers, in the store", async () => {
    const model = await store.putLayer(LAYER_MEDIA_TYPES.model, W);
    const sys = await store.putLayer(LAYER_MEDIA_TYPES.system, "You are a code assistant.");
    const m = await store.assembleManifest({ modelFamily: "llama", modelType: "1M", fileType: "F16" }, [model, sys]);
    assert.deepEqual(m, (await store.readManifest("code-assistant")).manifest, "the same facts and layers give the same manifest");
    const bare = await store.assembleManifest({ modelFamily: "llama", modelType: "1M", fileType: "F16" }, [model, sys], { rootfs: false });
    assert.equal((await store.readBlob(bare.config.digest)).toString(), '{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"1M","file_type":"F16","architecture":"amd64","os":"linux"}\n');
    await store.gc({ graceMs: 0 }); // drop the rootfs-less config again: the next tests count blobs
  });

  it("lists manifests sorted by full name, ignoring files that are not manifests", async () => {
    await writeFile(path.join(store.root, "manifests", "registry.ollama.ai", "library", "README"), "not a manifest");
    await writeFile(path.join(store.root, "manifests", "registry.ollama.ai", "library", "code-assistant", ".DS_Store"), "x");
    const { manifests, problems } = await store.listManifests();
    assert.deepEqual(manifests.map((m) => displayShortest(m.name)), ["acme/creative-writer:v1", "code-assistant:latest", "json-extractor:latest"]);
    assert.deepEqual(problems, []);
  });

  it("finds a model by name in any letter case, and suggests the closest name when none matches", async () => {
    assert.equal((await store.readManifest("Code-Assistant")).digest, a.manifest);
    assert.deepEqual(await rejection(store.readManifest("code-asistant")), { code: "MS5102", kind: "input", message: "model code-asistant:latest not found in the store", hint: "did you mean `code-assistant:latest`?" });
  });

  it("cp copies the manifest only: same digest, no new blob bytes", async () => {
    const before = await store.du();
    const copy = await store.copyManifest("code-assistant", "code-assistant:v2");
    assert.equal(copy.digest, a.manifest);
    const after = await store.du();
    assert.equal(after.totalBytes, before.totalBytes);
    assert.equal(after.referencedBytes, before.referencedBytes);
    const usage = Object.fromEntries(after.models.map((m) => [displayShortest(m.name), [m.totalBytes, m.uniqueBytes, m.sharedBytes]]));
    const aTotal = 4096 + 25 + a.configSize;
    assert.deepEqual(usage, {
      "acme/creative-writer:v1": [2048 + 6 + c.configSize, 2048 + 6 + c.configSize, 0],
      "code-assistant:latest": [aTotal, 0, aTotal],
      "code-assistant:v2": [aTotal, 0, aTotal],
      "json-extractor:latest": [4096 + 13 + b.configSize, 13 + b.configSize, 4096],
    });
    assert.equal(after.referencedBytes, 4096 + 25 + a.configSize + 13 + b.configSize + 2048 + 6 + c.configSize);
    assert.deepEqual(after.missing, []);
  });

  it("rm leaves blobs; gc then frees exactly the blobs no manifest uses", async () => {
    assert.deepEqual(await store.removeManifest("code-assistant:v2"), { name: { host: "registry.ollama.ai", namespace: "library", model: "code-assistant", tag: "v2" }, digest: a.manifest });
    await store.removeManifest("code-assistant");
    assert.equal((await store.du()).unreferencedBytes, 25 + a.configSize);
    const first = await store.gc({ graceMs: 0 });
    assert.deepEqual(first.removedBlobs.map((r) => r.digest).sort(), [a.system, a.config].sort());
    assert.equal(first.freedBytes, 25 + a.configSize);
    assert.equal(await store.hasBlob(a.model), true, "json-extractor still uses the weights");

    await store.removeManifest("json-extractor");
    const second = await store.gc({ graceMs: 0 });
    assert.deepEqual(second.removedBlobs.map((r) => r.digest).sort(), [a.model, b.system, b.config].sort());
    assert.deepEqual((await store.verify()).problems, []);
    // Emptied directories are pruned (json-extractor/), ones holding other files are not.
    assert.deepEqual((await filesUnder(path.join(store.root, "manifests"))), ["registry.ollama.ai/acme/creative-writer/v1", "registry.ollama.ai/library/README", "registry.ollama.ai/library/code-assistant/.DS_Store"]);
  });
});

describe("gc safety", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  it("keeps unreferenced blobs younger than the grace period (a build may not have written its manifest yet)", async () => {
    const { digest } = await store.putBlobFromBuffer("layer of a build in progress");
    const young = await store.gc();
    assert.deepEqual([young.removedBlobs, young.keptYoung], [[], [digest]]);
    const later = await store.gc({ now: Date.now() + 2 * 3600_000 });
    assert.deepEqual(later.removedBlobs, [{ digest, size: 28 }]);
  });

  it("removes modelsmith's temp files of dead processes at any age, keeps live ones, resumable downloads until tempMaxAgeMs, and others' files always", async () => {
    const tmp = path.join(store.root, "tmp");
    await mkdir(tmp, { recursive: true });
    const dead = deadPid();
    const hex = "0123456789ab";
    await writeFile(path.join(tmp, `blob-${dead}-${hex}.tmp`), "half a blob");
    await writeFile(path.join(tmp, `blob-${process.pid}-${hex}.tmp`), "in progress");
    await writeFile(path.join(tmp, `download-${"a".repeat(64)}.part`), "resumable");
    await writeFile(path.join(tmp, "notes.txt"), "not ours");
    const r = await store.gc();
    assert.deepEqual(r.removedTemp, [{ path: path.join(tmp, `blob-${dead}-${hex}.tmp`), size: 11 }]);
    const later = await store.gc({ now: Date.now() + 2 * 3600_000 });
    assert.deepEqual(later.removedTemp, [{ path: path.join(tmp, `download-${"a".repeat(64)}.part`), size: 9 }]);
    assert.deepEqual(await filesUnder(tmp), [`blob-${process.pid}-${hex}.tmp`, "notes.txt"]);
  });


  it("leaves files under blobs/ that are not named like a digest (Ollama's partial downloads)", async () => {
    const partial = path.join(store.root, "blobs", `sha256-${"a".repeat(64)}-partial-0`);
    await writeFile(partial, "ollama is downloading this");
    await store.gc({ graceMs: 0 });
    assert.equal(await readFile(partial, "utf8"), "ollama is downloading this");
  });

  it("refuses to remove anything while a manifest is unreadable (MS5110), and rm still removes that manifest", async () => {
    const model = await store.putLayer(LAYER_MEDIA_TYPES.model, "weights");
    const config = await store.putLayer(CONFIG_MEDIA_TYPE, "{}");
    await store.writeManifest("broken", makeManifest(config, [model]));
    const orphan = await store.putBlobFromBuffer("orphan");
    const file = path.join(store.root, "manifests", "registry.ollama.ai", "library", "broken", "latest");
    await writeFile(file, '{"schemaVersion":2,"layers":[');
    const r = await rejection(store.gc({ graceMs: 0 }));
    assert.equal(r.code, "MS5110");
    assert.equal(r.kind, "environment");
    assert.equal(await store.hasBlob(orphan.digest), true);
    assert.deepEqual((await store.listManifests()).problems.map((p) => [p.code, p.file]), [["MS5105", file]]);
    await store.removeManifest("broken");
    const after = await store.gc({ graceMs: 0 });
    assert.deepEqual(after.removedBlobs.map((x) => x.digest).sort(), [model.digest, config.digest, orphan.digest].sort());
  });

  it("never writes a manifest whose blobs are not all in the store (MS5106)", async () => {
    const model = await store.putLayer(LAYER_MEDIA_TYPES.model, "weights");
    const ghost = { mediaType: CONFIG_MEDIA_TYPE, digest: sha256Digest("never stored"), size: 12 };
    const r = await rejection(store.writeManifest("dangling", makeManifest(ghost, [model])));
    assert.equal(r.code, "MS5106");
    assert.equal(r.message, `manifest of dangling:latest refers to blob ${ghost.digest} (${CONFIG_MEDIA_TYPE}), which is not in the store`);
    const wrongSize = { ...model, size: 99 };
    assert.equal((await rejection(store.writeManifest("dangling", makeManifest({ ...model, mediaType: CONFIG_MEDIA_TYPE }, [wrongSize])))).code, "MS5106");
    assert.deepEqual((await store.listManifests()).manifests.map((m) => m.name.model), []);
  });

  it("keeps a pulled manifest's bytes exactly, so its digest is the registry's", async () => {
    const model = await store.putLayer(LAYER_MEDIA_TYPES.model, "weights");
    const config = await store.putLayer(CONFIG_MEDIA_TYPE, "{}");
    const pulled = `{\n  "schemaVersion": 2,\n  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n  "config": {"mediaType": "${CONFIG_MEDIA_TYPE}", "digest": "${config.digest}", "size": 2},\n  "layers": [{"mediaType": "${model.mediaType}", "digest": "${model.digest}", "size": 7}]\n}\n`;
    const w = await store.writeManifestBytes("registry.example.com/org/pulled:1", pulled);
    assert.equal(w.digest, sha256Digest(pulled));
    assert.equal(await readFile(w.path, "utf8"), pulled);
    assert.equal(w.path, path.join(store.root, "manifests", "registry.example.com", "org", "pulled", "1"));
  });
});

describe("verify", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  it("detects one flipped byte and names the models that use the blob", async () => {
    const a = await buildModel(store, "code-assistant", W, "A");
    await buildModel(store, "json-extractor", W, "B");
    await buildModel(store, "creative-writer", W2, "C");
    assert.deepEqual((await store.verify()).problems, []);

    const file = store.blobPath(a.model);
    const bytes = await readFile(file);
    bytes[1000] = bytes[1000]! ^ 0x01;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    await chmod(file, 0o444);

    const result = await store.verify();
    assert.equal(result.checkedBlobs, 8);
    assert.deepEqual(result.problems, [{
      digest: a.model,
      kind: "mismatch",
      actual: sha256Digest(bytes),
      usedBy: [
        { host: "registry.ollama.ai", namespace: "library", model: "code-assistant", tag: "latest" },
        { host: "registry.ollama.ai", namespace: "library", model: "json-extractor", tag: "latest" },
      ],
    }]);
  });

  it("reports a blob a manifest needs that is gone", async () => {
    const { unlink } = await import("node:fs/promises");
    const c = await store.readManifest("creative-writer");
    const system = c.manifest.layers[1]!.digest;
    await unlink(store.blobPath(system));
    const missing = (await store.verify()).problems.filter((p) => p.kind === "missing");
    assert.deepEqual(missing, [{ digest: system, kind: "missing", usedBy: [c.name] }]);
    assert.deepEqual((await store.du()).missing, [system]);
  });
});
