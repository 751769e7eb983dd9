/**
 * Provenance of models whose weights the build converts: FROM a Hugging Face
 * checkpoint folder (a convert step, `convert:` picks its output type) and
 * ADAPTER a PEFT folder (an adapter convert step). The document's pins are
 * the folders' (their files' digests), and `verify oci://…` must plan the
 * same convert steps `build` planned to get the same input digest — against
 * a real Distribution registry. Also the adapters' own output type
 * (`convert:` names it, `peftConvert`) and a split GGUF joined by a step (`split`).
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ggufToBuffer, gv } from "../../src/gguf/index.js";
import { oracleLlama, writePeftAdapter } from "../../src/testmodels/index.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { checkpointSpec, writeTestCheckpoint } from "../convert/helpers.js";
import { registryMissing, startRegistry } from "./helpers.js";
import { fetchDocument, replaceDocument } from "./provenance-helpers.js";

interface Doc {
  own: { convert?: string; peft?: number[]; peftConvert?: string; split?: true };
  references: Record<string, { digest: string; size: number }>;
}

const skip = registryMissing();

test("models FROM a checkpoint and with a PEFT adapter: the pushed document verifies, and an altered output type, pin or PEFT marker fails", { skip, timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempDir(t, "modelsmith-prov-conv-");
  await writeTestCheckpoint(path.join(dir, "ckpt"), "llama", "bpe");
  await writePeftAdapter(path.join(dir, "lora"), { base: checkpointSpec(path.join(dir, "ckpt")), seed: 4 });
  writeFileSync(path.join(dir, "Plain.Modelfile"), "FROM ./ckpt\n");
  writeFileSync(path.join(dir, "Tuned.Modelfile"), "FROM ./ckpt\nADAPTER ./lora\n");
  // `convert: BF16` names the adapter's type too (peftConvert); a split GGUF's parts are joined by a step (split).
  const oracle = oracleLlama({});
  const half = Math.ceil(oracle.tensors.length / 2);
  for (const i of [0, 1]) {
    const metadata = [...(i === 0 ? [...oracle.metadata] : []), ["split.no", gv.u16(i)] as const, ["split.count", gv.u16(2)] as const, ["split.tensors.count", gv.i32(oracle.tensors.length)] as const];
    writeFileSync(path.join(dir, `oracle-0000${i + 1}-of-00002.gguf`), await ggufToBuffer({ metadata, tensors: oracle.tensors.slice(i * half, (i + 1) * half) }));
  }
  writeFileSync(path.join(dir, "Joined.Modelfile"), "FROM ./oracle-00001-of-00002.gguf\n");
  writeFileSync(
    path.join(dir, "modelsmith.yaml"),
    "models:\n  plain:\n    modelfile: Plain.Modelfile\n    convert: F32\n  tuned:\n    modelfile: Tuned.Modelfile\n    quantize: q8_0\n  tunedbf:\n    modelfile: Tuned.Modelfile\n    convert: BF16\n  joined:\n    modelfile: Joined.Modelfile\n",
  );
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = tempDir(t);
  const built = await ms(["build", "--json", "--no-test", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const pushed = new Map<string, { digest: string; referrer: Record<string, unknown>; doc: Doc }>();
  for (const model of ["plain", "tuned:q8_0", "tunedbf", "joined"]) {
    const repo = `library/${model.split(":")[0]}`;
    const r = await ms(["push", model, `oci://${registry.host}/${repo}:1`, "-C", dir, "--json"], home);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MS575\d/);
    const p = json<{ digest: string; provenance: { digest: string } }>(r);
    const ok = await ms(["verify", `oci://${registry.host}/${repo}:1`, "--json"], home);
    assert.equal(ok.exitCode, 0, `${model}: ${ok.stderr}`);
    assert.deepEqual(json<{ documents: { model: string }[] }>(ok).documents.map((d) => d.model), [model.split(":")[0]]);
    pushed.set(repo, { digest: p.digest, ...(await fetchDocument<Doc>(registry, repo, p.provenance.digest)) });
  }
  // The document says which folders the build converted, and how: the checkpoint's output type, the PEFT ADAPTER lines.
  const plain = pushed.get("library/plain")!;
  const tuned = pushed.get("library/tuned")!;
  assert.deepEqual(plain.doc.own, { convert: "F32" });
  assert.deepEqual(tuned.doc.own, { convert: "F16", peft: [0] });
  assert.deepEqual(Object.keys(tuned.doc.references).sort(), ["./ckpt", "./lora"]);
  const tunedbf = pushed.get("library/tunedbf")!;
  assert.deepEqual(tunedbf.doc.own, { convert: "BF16", peft: [0], peftConvert: "BF16" });
  const joined = pushed.get("library/joined")!;
  assert.deepEqual(joined.doc.own, { split: true });

  const altered: [string, string, Doc, RegExp][] = [
    ["the checkpoint's output type", "library/plain", { ...plain.doc, own: { convert: "BF16" } }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
    ["the checkpoint's pin", "library/plain", { ...plain.doc, references: { "./ckpt": { ...plain.doc.references["./ckpt"]!, digest: `sha256:${"3".repeat(64)}` } } }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
    ["the PEFT marker dropped", "library/tuned", { ...tuned.doc, own: { convert: "F16" } }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
    ["the adapter folder's pin", "library/tuned", { ...tuned.doc, references: { ...tuned.doc.references, "./lora": { ...tuned.doc.references["./lora"]!, digest: `sha256:${"4".repeat(64)}` } } }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
    ["an output type that is none", "library/plain", { ...plain.doc, own: { convert: "Q4_0" } }, /error\[MS5754\]: .*own\.convert is not F32, F16 or BF16/],
    ["the adapter's output type dropped", "library/tunedbf", { ...tunedbf.doc, own: { convert: "BF16", peft: [0] } }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
    ["the split marker dropped", "library/joined", { ...joined.doc, own: {} }, /error\[MS5753\]: .*its Modelfile and pins give input digest/],
  ];
  for (const [what, repo, forged, message] of altered) {
    const { digest, referrer } = pushed.get(repo)!;
    await replaceDocument(registry, repo, referrer, digest, forged);
    const bad = await ms(["verify", `oci://${registry.host}/${repo}:1`], home);
    assert.equal(bad.exitCode, 1, `${what}: ${bad.stderr}`);
    assert.match(bad.stderr, message, what);
  }
});
