import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProject } from "../../src/project/project.js";

const summarize = (text: string) =>
  parseProject(text, "modelsmith.yaml").diagnostics.map((d) => `${d.code} ${d.range?.start.line}:${d.range?.start.column} ${d.message}${d.hint ? ` | ${d.hint}` : ""}`);

describe("parseProject", () => {
  it("reads models, quantize lists, tests, aliases and defaults", () => {
    const { project, diagnostics } = parseProject(
      [
        "models:",
        "  chat:",
        "    modelfile: models/chat/Modelfile",
        "    quantize: [Q4_K_M, Q8_0]",
        "    tests: tests/chat.yaml",
        "  coder:",
        "    modelfile: Modelfile.coder",
        "aliases:",
        "  llama3:8b: testmodel://oracle",
        "defaults:",
        "  quantize: Q5_K_M",
        "",
      ].join("\n"),
      "/p/modelsmith.yaml",
    );
    assert.deepEqual(diagnostics, []);
    assert.ok(project);
    assert.equal(project.root, "/p");
    assert.deepEqual(
      project.models.map((m) => ({ name: m.name, modelfile: m.modelfile, quantize: m.quantize, tests: m.tests.map((t) => t.file), line: m.range.start.line })),
      [
        { name: "chat", modelfile: "/p/models/chat/Modelfile", quantize: ["Q4_K_M", "Q8_0"], tests: ["/p/tests/chat.yaml"], line: 2 },
        { name: "coder", modelfile: "/p/Modelfile.coder", quantize: ["Q5_K_M"], tests: [], line: 6 },
      ],
    );
    assert.deepEqual(project.aliases, { "llama3:8b": "testmodel://oracle" });
    assert.deepEqual(project.defaults, { quantize: ["Q5_K_M"], namespace: "library" });
    assert.deepEqual(project.models[0]!.modelfileRange.start, { line: 3, column: 16, offset: 31 });
  });

  it("reports every problem at once, each at its key or value", () => {
    const text = [
      "models:", // 1
      "  chat:", // 2
      "    modelfiel: ./Modelfile", // 3
      "    quantize: 4", // 4
      "  Bad Name:", // 5
      "    modelfile: x", // 6
      "defaults:", // 7
      "  quantise: Q4_K_M", // 8
      "",
    ].join("\n");
    assert.deepEqual(summarize(text), [
      "MS4003 3:5 `models.chat` is missing the required key `modelfile`",
      "MS4002 3:5 unknown key `modelfiel` in `models.chat` | did you mean `modelfile`?",
      "MS4004 4:15 `models.chat.quantize` must be a string or a non-empty list of distinct strings",
      "MS4005 5:3 invalid model name `Bad Name` | use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit",
      "MS4002 8:3 unknown key `quantise` in `defaults` | did you mean `quantize`?",
    ]);
  });

  it("reports YAML syntax errors with their position", () => {
    const out = summarize("models:\n  chat: {modelfile: x\n");
    assert.equal(out.length >= 1, true);
    assert.match(out[0]!, /^MS4001 \d+:\d+ invalid YAML/);
  });

  it("requires a models map", () => {
    assert.deepEqual(summarize("aliases: {}\n"), ["MS4003 1:1 the file is missing the required key `models`"]);
    assert.deepEqual(summarize("models: {}\n"), ["MS4004 1:9 `models` must NOT have fewer than 1 properties"]);
  });
});

describe("YamlSource.rangeAt", () => {
  it("names list items by number or by numeric string (ajv's instance paths)", async () => {
    const { YamlSource } = await import("../../src/project/yaml-source.js");
    const src = new YamlSource("tests:\n  - prompt: a\n  - prompt: b\n    assert: []\n", "t.yaml");
    assert.deepEqual(src.rangeAt(["tests", 1, "assert"]).start, { line: 4, column: 13, offset: 47 });
    assert.deepEqual(src.rangeAt(["tests", "1", "assert"]).start, { line: 4, column: 13, offset: 47 });
    assert.deepEqual(src.rangeAt(["tests", "1", "assert"], { key: true }).start, { line: 4, column: 5, offset: 39 });
  });
});
