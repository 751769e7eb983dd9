import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import type { ModelComparison } from "../../src/eval/compare/compare-models.js";

/** A random-weight llama whose dimensions are multiples of 256 (every k-quant applies), tiny. */
const RANDOM = "testmodel://random?embd=256&layers=2&heads=4&kv=4&ff=512&vocab=512&ctx=512&seed=3";
const TEXT = `${Array.from({ length: 12 }, () => "The quick brown fox jumps over the lazy dog.").join(" ")}\n`;

const PROJECT = `models:
  rnd:
    modelfile: Modelfile.rnd
    quantize: [Q8_0, Q4_K_M]
    compare: {text: compare.txt}
  fox:
    modelfile: Modelfile.fox
    quantize: [Q8_0]
    tests: fox.yaml
    compare: {text: compare.txt}
  plain:
    modelfile: Modelfile.fox
`;

/** The document `test --compare --json` prints: `{models: ModelComparison[]}`. */
type Comparison = ModelComparison;

let dir: string;
const home = () => path.join(dir, "home");
const cli = (args: string[]) => runCli(args, { cwd: dir, env: { MODELSMITH_HOME: home() } });
const blobSize = (digest: string) => statSync(path.join(home(), "blobs", digest.replace(":", "-"))).size;
/** The model layer of a stored manifest. */
const modelLayer = (model: string, tag: string) => {
  const m = JSON.parse(readFileSync(path.join(home(), "manifests/registry.ollama.ai/library", model, tag), "utf8")) as { layers: { mediaType: string; digest: string; size: number }[] };
  return m.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
};

let compared: Comparison[];

before(async () => {
  dir = tempProject({
    "modelsmith.yaml": PROJECT,
    "Modelfile.rnd": `FROM ${RANDOM}\nPARAMETER num_thread 1\n`,
    "Modelfile.fox": "FROM testmodel://oracle\nPARAMETER temperature 0\nPARAMETER num_predict 6\nPARAMETER num_thread 1\nPARAMETER num_ctx 256\n",
    "fox.yaml": 'tests:\n  - prompt: The quick brown\n    raw: true\n    assert:\n      - {type: equals, value: " fox jumps over the lazy dog"}\n',
    "compare.txt": TEXT,
  });
  const built = await cli(["build", "--no-test"]);
  assert.equal(built.exitCode, 0, built.stderr);
  const r = await cli(["test", "--compare", "--json"]);
  assert.equal(r.exitCode, 0, r.stderr);
  compared = (JSON.parse(r.stdout) as { models: Comparison[] }).models;
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("modelsmith test --compare (subprocess, built random and oracle models)", () => {
  it("compares every model with quantize types, one row per variant in quantize order, sizes of the variants' model blobs", () => {
    assert.deepEqual(compared.map((m) => [m.model, m.variants.map((v) => [v.tag, v.name])]), [
      ["rnd", [["q8_0", "rnd:q8_0"], ["q4_k_m", "rnd:q4_k_m"]]],
      ["fox", [["q8_0", "fox:q8_0"]]],
    ]);
    for (const m of compared) {
      for (const v of m.variants) {
        const layer = modelLayer(m.model, v.tag);
        assert.equal(v.digest, layer.digest);
        assert.equal(v.size, layer.size);
        assert.equal(v.size, blobSize(v.digest));
      }
    }
    const [q8, q4] = compared[0]!.variants;
    assert.ok(q4!.size < q8!.size, `${q4!.size} < ${q8!.size}`);
  });

  it("the base is the blob models.lock pins for FROM, in the store", () => {
    const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
    const rnd = compared[0]!.base;
    assert.equal(rnd.from, `${RANDOM}&type=f32`);
    assert.ok(lock.includes(`${rnd.from}:\n    digest: ${rnd.digest}\n`), lock);
    assert.equal(rnd.size, blobSize(rnd.digest));
    // F32 base, larger than any variant.
    assert.ok(compared[0]!.variants.every((v) => v.size < rnd.size));
  });

  it("KL >= 0, agreement in [0, 1]; Q8_0 is closer to the base than Q4_K_M", () => {
    const [q8, q4] = compared[0]!.variants;
    for (const v of [q8!, q4!]) {
      assert.ok(v.meanKl! >= 0 && Number.isFinite(v.meanKl!), String(v.meanKl));
      assert.ok(v.top1Agreement! >= 0 && v.top1Agreement! <= 1, String(v.top1Agreement));
    }
    assert.ok(q8!.meanKl! < q4!.meanKl!, `KL q8_0 ${q8!.meanKl} < q4_k_m ${q4!.meanKl}`);
    assert.ok(q8!.top1Agreement! >= q4!.top1Agreement!, `agreement q8_0 ${q8!.top1Agreement} >= q4_k_m ${q4!.top1Agreement}`);
    assert.ok(q8!.meanKl! > 0, "a quantized random model differs from its base");
  });

  it("every token of the text is compared (the model adds BOS), the same text for each model", () => {
    for (const m of compared) {
      assert.equal(m.text!.file, "compare.txt");
      assert.equal(m.text!.positions, m.text!.tokens);
      assert.ok(m.text!.tokens > 100, String(m.text!.tokens));
    }
  });

  it("the oracle at Q8_0 agrees with its base on every top token; its prompt test passes", () => {
    const fox = compared[1]!.variants[0]!;
    assert.equal(fox.top1Agreement, 1);
    assert.deepEqual([fox.cases, fox.passed, fox.passRate], [1, 1, 1]);
    assert.ok(fox.tokensPerSecond! > 0, String(fox.tokensPerSecond));
  });

  it("a model without test files has no pass rate; decode speed is measured anyway", () => {
    const q8 = compared[0]!.variants[0]!;
    assert.deepEqual([q8.cases, q8.passed, q8.passRate], [0, 0, null]);
    assert.ok(q8.tokensPerSecond! > 0, String(q8.tokensPerSecond));
  });

  it("the console report has the same rows", async () => {
    const r = await cli(["test", "--compare", "fox"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^fox: against the base testmodel:\/\/oracle\?\S+ \(sha256:[0-9a-f]{12}, 7\.3 MB\) over compare\.txt \(\d+ tokens\)$/);
    assert.equal(lines[1], "  variant    size      tests       tokens/s    mean KL     top-1");
    assert.match(lines[2]!, /^ {2}q8_0 {7}\d(\.\d)? MB {4}1\/1 100% {4}\d+\.\d +\d\.\d{6} {4}100\.0%$/);
    assert.equal(lines.length, 4);
  });

  it("a model without compare.text: rows without KL or agreement", async () => {
    const r = await cli(["test", "--compare", "plain", "--json"]);
    assert.equal(r.exitCode, 0, r.stderr);
    const [plain] = (JSON.parse(r.stdout) as { models: Comparison[] }).models;
    assert.equal(plain!.text, null);
    assert.deepEqual(plain!.variants.map((v) => [v.tag, v.meanKl, v.top1Agreement]), [["latest", null, null]]);
  });

  it("exit 2: an unknown model (did-you-mean), a missing compare text at its YAML line, an unbuilt model", async () => {
    const unknown = await cli(["test", "--compare", "rdn"]);
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /error\[MS6010\]: model `rdn` is not in the project/);
    assert.match(unknown.stderr, /hint: did you mean `?rnd`?/);

    writeFileSync(path.join(dir, "modelsmith.yaml"), PROJECT.replace("compare: {text: compare.txt}", "compare: {text: missing.txt}"));
    const missing = await cli(["test", "--compare", "rnd"]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /^modelsmith\.yaml:5:21: error\[MS4006\]: compare text not found: missing\.txt$/m);

    writeFileSync(path.join(dir, "modelsmith.yaml"), PROJECT);
    const empty = await runCli(["test", "--compare", "rnd"], { cwd: dir, env: { MODELSMITH_HOME: path.join(dir, "empty-home") } });
    assert.equal(empty.exitCode, 2);
    assert.match(empty.stderr, /error\[MS6018\]: cannot compare `rnd`: the store does not hold its base testmodel:\/\/random/);
  });
});
