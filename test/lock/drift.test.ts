import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffLock } from "../../src/lock/diff.js";
import { driftDiagnostics, formatDrift, missingLockDiagnostic } from "../../src/lock/format-drift.js";
import { emptyLock } from "../../src/lock/lock.js";
import { d, HF_KEY, LLAMA_KEY, ORACLE_KEY, RANDOM_KEY, reversed, sampleLock } from "./sample.js";

describe("diffLock", () => {
  it("finds nothing between equal locks built in different orders", () => {
    assert.deepEqual(diffLock(sampleLock(), reversed(sampleLock())), []);
    assert.deepEqual(diffLock(sampleLock(), sampleLock()), []);
    assert.deepEqual(diffLock(emptyLock(), emptyLock()), []);
  });

  it("names exactly what moved, references first, then variants, each sorted", () => {
    const old = sampleLock();
    const now = sampleLock();
    now.references[LLAMA_KEY] = { ...now.references[LLAMA_KEY]!, locator: `${LLAMA_KEY}@${d("manifest/llama3-v2")}`, digest: d("b/llama3-v2"), size: 4_661_211_809 };
    delete now.references[RANDOM_KEY];
    now.references["./new.gguf"] = { locator: "./new.gguf", digest: d("b/new"), size: 10 };
    now.models["code-assistant"]!.latest = { inputs: d("i/code/latest2"), manifest: d("m/code/latest2") };
    now.models["code-assistant"]!.q8_0 = { ...now.models["code-assistant"]!.q8_0!, manifest: d("m/code/q8_0-rebuilt") };
    delete now.models["json-extractor"];
    now.models["creative-writer"] = { latest: { inputs: d("i/cw"), manifest: d("m/cw") } };

    const drifts = diffLock(old, now);
    assert.deepEqual(
      drifts.map((x) => x.kind),
      ["reference-added", "reference-changed", "reference-removed", "variant-changed", "variant-changed", "variant-added", "variant-removed"],
    );
    assert.deepEqual(drifts[1], {
      kind: "reference-changed",
      reference: LLAMA_KEY,
      fields: ["digest", "size", "locator"],
      old: old.references[LLAMA_KEY],
      new: now.references[LLAMA_KEY],
    });
    assert.deepEqual(drifts.map(formatDrift), [
      `+ reference ./new.gguf: digest ${d("b/new")}, size 10, locator ./new.gguf`,
      `~ reference ${LLAMA_KEY}: digest ${d("b/llama3")} -> ${d("b/llama3-v2")}, size 4661211808 -> 4661211809, locator ${LLAMA_KEY}@${d("manifest/llama3")} -> ${LLAMA_KEY}@${d("manifest/llama3-v2")}`,
      `- reference ${RANDOM_KEY}: digest ${d("b/random")}, size 6000000, locator ${RANDOM_KEY}`,
      `~ model code-assistant:latest: inputs ${d("i/code/latest")} -> ${d("i/code/latest2")}, manifest ${d("m/code/latest")} -> ${d("m/code/latest2")}`,
      `~ model code-assistant:q8_0: manifest ${d("m/code/q8_0")} -> ${d("m/code/q8_0-rebuilt")}`,
      `+ model creative-writer:latest: inputs ${d("i/cw")}, manifest ${d("m/cw")}`,
      `- model json-extractor:latest: inputs ${d("i/json/latest")}, manifest ${d("m/json/latest")}`,
    ]);
  });

  it("pins the exact line for a single moved blob digest", () => {
    const now = sampleLock();
    now.references[ORACLE_KEY]!.digest = d("b/oracle-2");
    assert.deepEqual(diffLock(sampleLock(), now).map(formatDrift), [
      `~ reference ${ORACLE_KEY}: digest sha256:40a900ecb23afdaf36a672f4d58e0bc9d3257289afb6c2abd4a22716841b2282 -> ${d("b/oracle-2")}`,
    ]);
  });

  it("a missing lock drifts by every entry of the new one", () => {
    const drifts = diffLock(emptyLock(), sampleLock());
    assert.equal(drifts.length, 7 + 3);
    assert.ok(drifts.every((x) => x.kind === "reference-added" || x.kind === "variant-added"));
    assert.equal(formatDrift(drifts.find((x) => x.kind === "reference-added" && x.reference === HF_KEY)!), `+ reference ${HF_KEY}: digest ${d("b/mistral")}, size 4368438944, locator hf://TheBloke/Mistral-7B-Instruct-v0.2-GGUF/mistral-7b-instruct-v0.2.Q4_K_M.gguf@3a6fbf4a41a1d52e415a4958cde6856d34b2db93`);
  });

  it("drift diagnostics carry MS4154 and the same line", () => {
    const now = sampleLock();
    delete now.models["json-extractor"];
    assert.deepEqual(driftDiagnostics(diffLock(sampleLock(), now), "models.lock"), [
      {
        code: "MS4154",
        severity: "error",
        message: `models.lock is stale: - model json-extractor:latest: inputs ${d("i/json/latest")}, manifest ${d("m/json/latest")}`,
        file: "models.lock",
        hint: "run `modelsmith lock` and commit models.lock",
      },
    ]);
  });
});

describe("missingLockDiagnostic", () => {
  it("is MS4155 naming the file", () => {
    assert.deepEqual(missingLockDiagnostic("models.lock"), {
      code: "MS4155",
      severity: "error",
      message: "models.lock does not exist",
      file: "models.lock",
      hint: "run `modelsmith lock` and commit models.lock; --frozen and `lock --check` need one",
    });
  });
});
