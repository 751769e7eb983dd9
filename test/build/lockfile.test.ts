/** The lock the build computes, and what drifted before anything is built (pure). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lockedManifest, makeLock, resolvedDrift, type LockOnDisk } from "../../src/build/lockfile.js";
import type { PlannedVariant } from "../../src/build/plan.js";
import type { Lock } from "../../src/lock/lock.js";
import type { Pin } from "../../src/resolve/sources/pin.js";

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const pin: Pin = { source: "./base.gguf", locator: "./base.gguf", digest: d("a"), size: 7 };
const latest: PlannedVariant = { model: "m", tag: "latest", step: "m:latest", key: d("1") };
const q8: PlannedVariant = { model: "m", tag: "q8_0", step: "m:q8_0", key: d("2") };
const old: Lock = {
  version: 1,
  references: { "./base.gguf": { locator: "./base.gguf", digest: d("a"), size: 7 } },
  models: { m: { latest: { inputs: d("1"), manifest: d("b") }, q8_0: { inputs: d("9"), manifest: d("c") } } },
};
const onDisk: LockOnDisk = { file: "/p/models.lock", shown: "models.lock", text: "", lock: old };

describe("lockfile", () => {
  it("makeLock keys references by canonical source and leaves out variants of unknown manifest", () => {
    assert.deepEqual(makeLock([pin], [latest, q8], (v) => (v === latest ? d("b") : undefined)), {
      version: 1,
      references: { "./base.gguf": { locator: "./base.gguf", digest: d("a"), size: 7 } },
      models: { m: { latest: { inputs: d("1"), manifest: d("b") } } },
    });
  });

  it("lockedManifest answers only for the same inputs", () => {
    assert.equal(lockedManifest(old, latest), d("b"));
    assert.equal(lockedManifest(old, q8), undefined);
    assert.equal(lockedManifest(undefined, latest), undefined);
  });

  it("resolvedDrift names moved inputs and references, keeping recorded manifests it cannot know", () => {
    const drifts = resolvedDrift(onDisk, [{ ...pin, digest: d("e") }], [latest, q8]);
    assert.deepEqual(
      drifts.map((x) => [x.kind, "fields" in x ? x.fields : []]),
      [
        ["reference-changed", ["digest"]],
        ["variant-changed", ["inputs"]],
      ],
    );
    assert.deepEqual(resolvedDrift(onDisk, [pin], [latest, { ...q8, key: d("9") }]), []);
    // A manifest the step cache knows for the same inputs is compared too.
    const known = new Map([[latest, d("0")]]);
    assert.deepEqual(resolvedDrift(onDisk, [pin], [latest, { ...q8, key: d("9") }], known).map((x) => ("fields" in x ? x.fields : [])), [["manifest"]]);
  });

  it("resolvedDrift without a lock is MS4155", () => {
    assert.throws(() => resolvedDrift({ file: "/p/models.lock", shown: "models.lock" }, [pin], [latest]), (e: unknown) => (e as { diagnostics: { code: string }[] }).diagnostics[0]!.code === "MS4155");
  });
});
