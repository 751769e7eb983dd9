import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { renderTestFileSchema } from "../../scripts/generated.js";
import { renderDiagnostic } from "../../src/diagnostics/index.js";
import { checkTestFileFiles, loadTestFile, testFileEditorSchema, validateTestFile } from "../../src/eval/index.js";
import { fromRoot } from "../helpers/paths.js";

const fixture = (...p: string[]) => fromRoot("test/fixtures/eval", ...p);
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Every diagnostic rendered with its code frame, as the CLI prints it. */
function rendered(text: string, file: string, diagnostics: Parameters<typeof renderDiagnostic>[0][]): string {
  return `${diagnostics.map((d) => renderDiagnostic(d, { source: () => text })).join("\n")}\n`;
}

describe("invalid test files: every problem at its YAML position (golden)", () => {
  for (const name of readdirSync(fixture("invalid")).filter((n) => n.endsWith(".yaml"))) {
    it(name, () => {
      const text = readFileSync(fixture("invalid", name), "utf8");
      const r = validateTestFile(text, name, { projectModels: ["code-assistant", "json-extractor", "fox"] });
      assert.equal(r.suite, undefined);
      assert.ok(r.diagnostics.length > 0);
      const got = rendered(text, name, r.diagnostics);
      const golden = fixture("invalid", name.replace(/\.yaml$/, ".expected"));
      if (UPDATE) writeFileSync(golden, got);
      assert.equal(got, readFileSync(golden, "utf8"));
    });
  }
});

describe("a valid test file", () => {
  const text = readFileSync(fixture("valid", "full.yaml"), "utf8");
  const { suite, diagnostics } = validateTestFile(text, "full.yaml", { projectModels: ["fox"] });

  it("has no diagnostics, and keeps model and description", () => {
    assert.deepEqual(diagnostics, []);
    assert.deepEqual([suite!.model, suite!.description, suite!.cases.length], ["fox", "the oracle continues sentences", 4]);
  });

  it("substitutes vars, merges defaults and names each case", () => {
    const [a, b, c, d] = suite!.cases;
    assert.deepEqual(
      suite!.cases.map((x) => [x.id, x.name, x.range.start.line, x.raw, x.repeat, x.passRate, x.threshold]),
      [
        ["full.yaml#1", "continues the sentence", 10, false, 1, 1, undefined],
        ["full.yaml#2", "The brown fox jumps over the lazy dog and then the quick br…", 18, false, 3, 0.5, 0.5],
        ["full.yaml#3", "Who jumps?", 30, false, 1, 1, undefined],
        ["full.yaml#4", "The quick brown", 36, true, 1, 1, undefined],
      ],
    );
    assert.equal(b!.prompt, "The brown fox jumps over the lazy dog and then the quick brown fox jumps again");
    assert.deepEqual(b!.vars, { animal: "brown fox" });
    assert.deepEqual(b!.options, { temperature: 0, num_predict: 4, stop: ["dog"] });
    assert.deepEqual(a!.options, { temperature: 0, num_predict: 8 });
    assert.deepEqual(c!.messages, [
      { role: "system", content: "You are a fox." },
      { role: "user", content: "Who jumps?" },
    ]);
    assert.equal(c!.prompt, undefined);
    // Vars render into assertion values too, as promptfoo's runAssertion renders them.
    assert.deepEqual(a!.assert.map((x) => [x.name, x.value, x.weight, x.flags]), [
      ["contains", { kind: "text", text: "fox" }, 1, undefined],
      ["regex", { kind: "text", text: "^\\s*fox" }, 1, "i"],
      ["not-contains", { kind: "text", text: "cat" }, 0, undefined],
    ]);
    assert.deepEqual(d!.assert.map((x) => x.value), [{ kind: "json", json: { a: 1 } }, { kind: "text", text: "cat" }]);
    assert.deepEqual(b!.assert.map((x) => [x.type, x.negate, x.weight, x.threshold]), [
      ["is-json", false, 2, undefined],
      ["is-json", false, 1, undefined],
      ["word-count", false, 1, undefined],
      ["latency", false, 1, 5000],
      ["javascript", false, 1, undefined],
      ["contains", true, 0, undefined],
    ]);
  });

  it("attaches schema files, read relative to the test file", async () => {
    const r = await checkTestFileFiles(suite!, fixture("valid", "full.yaml"));
    assert.deepEqual(r.diagnostics, []);
    const v = r.suite.cases[1]!.assert[0]!.value;
    assert.equal(v.kind, "schema-file");
    assert.deepEqual(v.kind === "schema-file" ? [v.path, v.schema] : [], ["schemas/person.json", { type: "object", required: ["name"] }]);
  });

  it("without projectModels, any model name passes", () => {
    assert.deepEqual(validateTestFile("model: anything\ntests: [{prompt: p, assert: [{type: is-json}]}]\n", "x.yaml").diagnostics, []);
  });

  it("a UTF-8 BOM is ignored", () => {
    assert.deepEqual(validateTestFile("\ufefftests: [{prompt: p, assert: [{type: is-json}]}]\n", "x.yaml").diagnostics, []);
  });
});

describe("schema files named by is-json (IO check)", () => {
  it("reports a missing file, a file that is not JSON, and one that is not a JSON Schema, at the value", async () => {
    const r = await loadTestFile(fixture("schema-files.yaml"), "schema-files.yaml");
    assert.equal(r.suite, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.range!.start.line}:${d.range!.start.column} ${d.code} ${d.message.replace(/: .*/s, "")}`),
      [
        "4:32 MS6009 schema file schemas/missing.json not found",
        "5:32 MS6009 schema file schemas/not-json.json is not JSON",
        "6:32 MS6008 schema file schemas/bad-schema.json is not a valid JSON Schema",
        "7:32 MS6008 schema file schemas/array.json is not a JSON Schema",
      ],
    );
  });
  it("a test file that does not exist is MS4006", async () => {
    const r = await loadTestFile(fixture("nope.yaml"), "nope.yaml");
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message]), [["MS4006", "test file not found: nope.yaml"]]);
  });
});

describe("schemas/testfile.schema.json", () => {
  it("is up to date (npm run gen)", () => {
    assert.equal(readFileSync(fromRoot("schemas/testfile.schema.json"), "utf8"), renderTestFileSchema());
  });
  it("accepts the valid fixture and rejects an unknown assertion type, for editors", () => {
    const validate = new Ajv({ strict: false }).compile(testFileEditorSchema());
    assert.equal(validate(parse(readFileSync(fixture("valid", "full.yaml"), "utf8"))), true);
    assert.equal(validate({ tests: [{ prompt: "p", assert: [{ type: "contain", value: "x" }] }] }), false);
    assert.equal(validate({ tests: [{ prompt: "p", assert: [{ type: "not-icontains-any", value: ["x"] }] }] }), true);
  });
});
