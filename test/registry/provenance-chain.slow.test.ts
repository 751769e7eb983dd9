/**
 * Provenance of a model built FROM other models of the project (document
 * schema version 2), against a real Distribution registry (Debian's
 * docker-registry 2.8, referrers tag schema): the document holds the chain
 * pup <- cub:q8_0 <- fox <- testmodel://oracle, each model's Modelfile and
 * lock entries; `verify oci://…` rebuilds every input digest of the chain and
 * fails when any pin in it is altered. A models.lock that does not record a
 * base is warning MS5755 and a push without a document.
 *
 * The referrers tag schema:
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#referrers-tag-schema
 * The `subject` field: https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md#image-manifest-property-descriptions
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { registryMissing, startRegistry } from "./helpers.js";
import { fetchDocument, replaceDocument } from "./provenance-helpers.js";

const skip = registryMissing();

interface Node {
  model: string;
  tag: string;
  quantize: string | null;
  modelfile: { path: string; text: string };
  references: Record<string, { digest: string; size: number }>;
  lock: { inputs: string; manifest: string };
  base?: Node;
}
type Doc = Node & { schemaVersion: number; namespace?: string };

test("a model FROM project models carries the chain (schema 2); verify rebuilds every input digest and fails on any altered pin", { skip, timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: fox/Modelfile\n  cub:\n    modelfile: cub/Modelfile\n    quantize: q8_0\n  pup:\n    modelfile: pup/Modelfile\n",
    "fox/Modelfile": 'FROM testmodel://oracle\nSYSTEM "You answer like a fox."\n',
    "cub/Modelfile": "FROM fox\nPARAMETER temperature 0.2\n",
    "pup/Modelfile": "FROM cub:q8_0\nPARAMETER top_k 7\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = tempDir(t);
  const built = await ms(["build", "--json", "--no-test", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  const entry = (model: string, tag: string) => {
    const m = new RegExp(`\\n  ${model}:\\n(?:    \\w+:\\n      inputs: sha256:\\w+\\n      manifest: sha256:\\w+\\n)*?    ${tag}:\\n      inputs: (sha256:\\w+)\\n      manifest: (sha256:\\w+)`).exec(lock);
    assert.ok(m, `${model}:${tag} in\n${lock}`);
    return { inputs: m[1]!, manifest: m[2]! };
  };

  const pushed = await ms(["push", "pup", `oci://${registry.host}/library/pup:1`, "-C", dir, "--json"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  assert.doesNotMatch(pushed.stderr, /MS5755/);
  const p = json<{ digest: string; provenance: { digest: string; listedBy: string } }>(pushed);
  assert.equal(p.digest, entry("pup", "latest").manifest);
  const { referrer, doc } = await fetchDocument<Doc>(registry, "library/pup", p.provenance.digest);
  // The chain, nearest base first, each with its Modelfile, quantization and lock entry.
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.namespace, "library");
  assert.deepEqual(doc.references, {}, "pup's FROM is a project model: its pin is its base's node");
  const chain: Node[] = [];
  for (let n: Node | undefined = doc; n; n = n.base) chain.push(n);
  assert.deepEqual(
    chain.map((n) => [n.model, n.tag, n.quantize, n.modelfile.path, n.lock]),
    [
      ["pup", "latest", null, "pup/Modelfile", entry("pup", "latest")],
      ["cub", "q8_0", "Q8_0", "cub/Modelfile", entry("cub", "q8_0")],
      ["fox", "latest", null, "fox/Modelfile", entry("fox", "latest")],
    ],
  );
  assert.equal(Object.keys(chain[2]!.references).length, 1);

  const verify = () => ms(["verify", `oci://${registry.host}/library/pup:1`, "--json"], home);
  const ok = await verify();
  assert.equal(ok.exitCode, 0, ok.stderr);
  const checked = json<{ documents: { model: string; inputs: string; bases: { model: string; tag: string; inputs: string }[] }[] }>(ok).documents;
  assert.deepEqual(
    checked.map((d) => [d.model, d.inputs, d.bases.map((b) => `${b.model}:${b.tag} ${b.inputs}`)]),
    [["pup", entry("pup", "latest").inputs, [`cub:q8_0 ${entry("cub", "q8_0").inputs}`, `fox:latest ${entry("fox", "latest").inputs}`]]],
  );

  // Every pin of the chain counts: each alteration below is a new document in the referrer's place, and verify fails.
  const fox = chain[2]!;
  const key = Object.keys(fox.references)[0]!;
  const altered: [string, Doc, RegExp][] = [
    [
      "the bottom base's pinned weights",
      { ...doc, base: { ...doc.base!, base: { ...fox, references: { [key]: { ...fox.references[key]!, digest: `sha256:${"1".repeat(64)}` } } } } },
      /error\[MS5753\]: .*its base model fox:latest: its Modelfile and pins give input digest sha256:\w+, but it records sha256:\w+/,
    ],
    ["the middle base's quantization", { ...doc, base: { ...doc.base!, quantize: "Q4_0" } }, /error\[MS5753\]: .*its base model cub:q8_0: its Modelfile and pins give input digest/],
    ["the middle base's recorded input digest", { ...doc, base: { ...doc.base!, lock: { ...doc.base!.lock, inputs: `sha256:${"2".repeat(64)}` } } }, /error\[MS5753\]: .*its base model cub:q8_0: .* but it records sha256:2{64}/],
    ["the bottom base's Modelfile", { ...doc, base: { ...doc.base!, base: { ...fox, modelfile: { ...fox.modelfile, text: fox.modelfile.text.replace("fox", "wolf") } } } }, /error\[MS5753\]: .*its base model fox:latest: its Modelfile and pins give input digest/],
    ["the chain cut off", { ...doc, base: undefined } as Doc, /error\[MS5753\]: .*no pin for/],
  ];
  for (const [what, forged, message] of altered) {
    await replaceDocument(registry, "library/pup", referrer, p.digest, forged);
    const bad = await verify();
    assert.equal(bad.exitCode, 1, `${what}: ${bad.stderr}`);
    assert.match(bad.stderr, message, what);
  }

  // models.lock without the base's entry: no document can be made (MS5755), the model is pushed without one.
  writeFileSync(path.join(dir, "models.lock"), lock.replace(/\n  fox:\n    latest:\n      inputs: sha256:\w+\n      manifest: sha256:\w+/, ""));
  const bare = await ms(["push", "pup", `oci://${registry.host}/library/bare:1`, "-C", dir], home);
  assert.equal(bare.exitCode, 0, bare.stderr);
  assert.match(bare.stderr, /warning\[MS5755\]: no provenance attached: models\.lock records no variant fox:latest, the base model of cub/);
});
