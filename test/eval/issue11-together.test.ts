import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertionFromString, htmlReport, grade, runCases, validateTestFile, type EvalModel, type ReferencedFile } from "../../src/eval/index.js";
import type { GradingModels } from "../../src/eval/graders.js";

/**
 * The two halves of issue 11 together: promptfoo's test-file features
 * (CSV shorthand, defaultTest, transform, assert-set, metric) with the new
 * assertions and graders (contains-json, levenshtein, ..., llm-rubric) and the
 * HTML report.
 */
const validate = (yaml: string, files?: Record<string, string>) =>
  validateTestFile(yaml, "t.yaml", { projectModels: ["fox", "judge", "critic"], ...(files ? { files: new Map<string, ReferencedFile>(Object.entries(files).map(([k, text]) => [k, { display: k, text }])) } : {}) });
const codes = (yaml: string) => validate(yaml).diagnostics.map((d) => [d.code, d.range?.start.line, d.message]);

describe("the new assertions in promptfoo's test-file forms", () => {
  it("CSV shorthand reads the new types, with promptfoo's thresholds", () => {
    assert.deepEqual(assertionFromString("levenshtein(3):hello"), { type: "levenshtein", value: "hello", threshold: 3 });
    assert.deepEqual(assertionFromString("not-rouge-n:the cat"), { type: "not-rouge-n", value: "the cat", threshold: 0.75 });
    assert.deepEqual(assertionFromString("similar:hi"), { type: "similar", value: "hi", threshold: 0.8 });
    assert.deepEqual(assertionFromString("bleu:the cat"), { type: "bleu", value: "the cat" });
    assert.deepEqual(assertionFromString("contains-json"), { type: "contains-json" });
    assert.deepEqual(assertionFromString("llm-rubric:is polite"), { type: "llm-rubric", value: "is polite" });
    assert.deepEqual(assertionFromString("grade:is polite"), { type: "llm-rubric", value: "is polite" });
  });

  it("a CSV suite's llm-rubric cells are graded by the file's grader", () => {
    const r = validate("grader: judge\nprompts: ['Greet {{name}}']\ntests: file://cases.csv\n", { "cases.csv": "name,__expected1,__expected2\nAda,grade:is polite,levenshtein(2):Hello Ada\n" });
    assert.deepEqual(r.diagnostics, []);
    const a = r.suite!.cases[0]!.assert;
    assert.deepEqual(a.map((x) => [x.type, x.provider, x.threshold]), [["llm-rubric", "judge", undefined], ["levenshtein", undefined, 2]]);
  });

  it("threshold is accepted on the types of THRESHOLD_TYPES, and refused elsewhere with them named", () => {
    assert.deepEqual(codes("tests:\n  - prompt: p\n    assert:\n      - {type: bleu, value: x, threshold: 0.4}\n      - {type: llm-rubric, value: x, threshold: 0.5, provider: judge}\n      - {type: starts-with, value: x, threshold: 0.75}\n"), []);
    assert.deepEqual(codes("tests:\n  - prompt: p\n    assert:\n      - {type: factuality, value: x, threshold: 0.5, provider: judge}\n"), [
      ["MS6006", 4, "`threshold` applies to latency, javascript, levenshtein, rouge-n, bleu, similar, llm-rubric, answer-relevance, perplexity, perplexity-score assertions, not factuality"],
    ]);
  });

  it("contains-json takes is-json's value forms: a schema as YAML text, true, file://", () => {
    const r = validate("tests:\n  - prompt: p\n    assert:\n      - {type: contains-json, value: '{type: object, required: [a]}'}\n      - {type: contains-json, value: true}\n      - {type: contains-json, value: file://s.json}\n", { "s.json": '{"type": "object", "required": ["b"]}' });
    assert.deepEqual(r.diagnostics, []);
    const [yamlText, any, file] = r.suite!.cases[0]!.assert;
    assert.deepEqual(yamlText!.value, { kind: "schema", schema: { type: "object", required: ["a"] } });
    assert.deepEqual(any!.value, { kind: "schema", schema: {} });
    assert.equal(file!.value.kind, "schema-file");
  });

  it("a model-graded assertion's value is a template over the vars, and list vars expand with it", () => {
    const r = validate("grader: judge\ntests:\n  - prompt: Say hi in {{lang}}\n    vars: {lang: [French, German]}\n    assert:\n      - {type: llm-rubric, value: 'is in {{lang}}'}\n");
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.suite!.cases.map((c) => c.assert[0]!.value), [{ kind: "text", text: "is in French" }, { kind: "text", text: "is in German" }]);
  });
});

describe("the grader from promptfoo's options.provider", () => {
  it("defaultTest.options.provider names the grader; a case's options.provider and an assertion's provider come first", () => {
    const r = validate(`grader: critic
defaultTest:
  options: {provider: judge, temperature: 0}
  assert: [{type: factuality, value: Paris}]
tests:
  - prompt: a
    assert: [{type: llm-rubric, value: x}, {type: llm-rubric, value: x, provider: fox}]
  - prompt: b
    options: {provider: critic}
    assert: [{type: llm-rubric, value: x}]
`);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.suite!.grader, "judge");
    assert.deepEqual(r.suite!.cases.map((c) => c.assert.map((a) => a.provider)), [["judge", "fox", "judge"], ["critic", "critic"]]);
    // The provider is not an Ollama option: it never reaches the model.
    assert.deepEqual(r.suite!.cases.map((c) => c.options), [{ temperature: 0 }, { temperature: 0 }]);
  });

  it("a provider that is not a project model, or not a name, is refused", () => {
    assert.deepEqual(codes("defaultTest:\n  options: {provider: jduge}\ntests:\n  - prompt: p\n    assert: [{type: llm-rubric, value: x}]\n"), [
      ["MS6202", 2, "defaultTest.options.provider `jduge` is not a model of the project"],
    ]);
    assert.deepEqual(codes("tests:\n  - prompt: p\n    options: {provider: {id: openai:gpt-4}}\n    assert: [{type: llm-rubric, value: x}]\n").map((c) => c.slice(0, 2)), [
      ["MS6202", 3],
      ["MS6201", 4],
    ]);
  });
});

describe("graders judge what the assertions see", () => {
  const model: EvalModel = { name: "fox", manifestDigest: "sha256:0", backend: "test", generate: async () => ({ text: "  The answer is PARIS.  ", finishReason: "stop", promptTokens: 1, completionTokens: 5 }) };
  it("the case's transform, then an assertion's own, run before the grader reads the output", async () => {
    const seen: string[] = [];
    const grading: GradingModels = {
      chat: async (_m, messages) => {
        seen.push(messages.map((m) => m.content).join("\n"));
        return { text: '{"pass": true, "score": 1, "reason": "ok"}', cached: false };
      },
      embed: async () => [1, 0],
    };
    const r = validate(`grader: judge
defaultTest:
  options: {transform: output.trim()}
tests:
  - prompt: p
    assert:
      - {type: llm-rubric, value: names a city, metric: quality}
      - {type: llm-rubric, value: is lower case, transform: output.toLowerCase()}
`);
    assert.deepEqual(r.diagnostics, []);
    const [result] = await runCases(model, r.suite!.cases, { grading });
    assert.equal(result!.status, "pass");
    assert.equal(result!.runs[0]!.transformed, "The answer is PARIS.");
    assert.equal(seen.length, 2);
    assert.match(seen[0]!, /The answer is PARIS\.(?!\s\s)/);
    assert.ok(!seen[0]!.includes("  The answer"), "the grader got the transformed output");
    assert.match(seen[1]!, /the answer is paris\./);
    assert.deepEqual(result!.namedScores, { quality: 1 });
  });

  it("a run whose transform fails is not judged", async () => {
    let calls = 0;
    const grading: GradingModels = { chat: async () => (calls++, { text: '{"pass": true}', cached: false }), embed: async () => [1] };
    const r = validate("grader: judge\ntests:\n  - prompt: p\n    options: {transform: 'output.nope()'}\n    assert: [{type: llm-rubric, value: x}]\n");
    const [result] = await runCases(model, r.suite!.cases, { grading });
    assert.equal(calls, 0);
    assert.equal(result!.status, "fail");
    assert.equal(result!.runs[0]!.assertions[0]!.name, "transform");
  });
});

describe("the HTML report shows metrics, transforms and assert-sets", () => {
  it("a metrics line under the summary, the transformed output, set members and the set's result", () => {
    const r = validate(`tests:
  - prompt: p
    options: {transform: output.toUpperCase()}
    assert:
      - type: assert-set
        threshold: 0.5
        metric: style
        assert:
          - {type: contains, value: FOX}
          - {type: levenshtein, value: "A FOX & A DOG!", metric: near}
`);
    assert.deepEqual(r.diagnostics, []);
    const g = grade("fox:latest", r.suite!.cases[0]!, [{ text: "a fox & a dog", finishReason: "stop", promptTokens: 1, completionTokens: 4, latencyMs: 3 }], false, 5);
    const html = htmlReport([g]);
    assert.match(html, /<p class="metrics">metrics: style 1\.00\/1, near 1\.00\/1<\/p>/);
    assert.match(html, /after transform<\/b><pre class="output">A FOX &amp; A DOG<\/pre>/);
    assert.match(html, /<td>set 1: contains<\/td>/);
    assert.match(html, /<td>set 1: levenshtein \[near\]<\/td>/);
    assert.match(html, /<tr class="pass set"><td>✓<\/td><td>assert-set 1 \[style\]<\/td>/);
  });
});
