/**
 * Ollama's template detection (src/templates/named.ts), pinned against
 * ollama/ollama `template/template.go` `Named`:
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/template/template.go#L73-L95
 * (smallest Levenshtein distance over the index, recognised under 100).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { levenshtein, namedTemplate } from "../../src/templates/index.js";
import { OLLAMA_TEMPLATE_INDEX } from "../../src/templates/ollama-templates.js";
import { TEST_CHAT_TEMPLATE } from "../../src/testmodels/index.js";
import { META_LLAMA3_TEMPLATE } from "../convert/helpers.js";
import { modelCapabilities } from "../../src/serve/capabilities.js";

describe("namedTemplate (Ollama's Named)", () => {
  test("Meta-Llama-3-8B-Instruct's chat template is llama3-instruct, with its Go template and stop list", () => {
    const t = namedTemplate(META_LLAMA3_TEMPLATE)!;
    assert.equal(t.name, "llama3-instruct");
    // ollama/ollama template/llama3-instruct.gotmpl and .json
    assert.equal(t.template, "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>\n{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n");
    assert.deepEqual(t.parameters, { stop: ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"] });
  });

  test("a template a few edits away is still recognised; the generated models' template (105 edits from the nearest) is not", () => {
    assert.equal(namedTemplate(META_LLAMA3_TEMPLATE.replace("trim", "strip"))?.name, "llama3-instruct");
    assert.equal(namedTemplate(TEST_CHAT_TEMPLATE), undefined);
    assert.equal(namedTemplate(""), undefined);
  });

  test("the threshold is strictly under 100 edits", () => {
    const entry = OLLAMA_TEMPLATE_INDEX.find((e) => e.name === "zephyr")!;
    assert.equal(namedTemplate(entry.template + "\u00e9".repeat(99))?.name, "zephyr");
    assert.equal(namedTemplate(entry.template + "\u00e9".repeat(100)), undefined);
  });

  test("levenshtein counts code points, as agnivade/levenshtein counts runes", () => {
    assert.equal(levenshtein(Array.from("kitten"), Array.from("sitting")), 3);
    assert.equal(levenshtein(Array.from("a\u{1F600}b"), Array.from("ab")), 1);
    assert.equal(levenshtein([], Array.from("abc")), 3);
  });
});

describe("a detected TEMPLATE layer is set aside where modelsmith renders", () => {
  test("capabilities follow the GGUF's Jinja when the TEMPLATE is the one detected from it, the TEMPLATE otherwise", () => {
    const chatTemplate = `${META_LLAMA3_TEMPLATE}{# tools #}`;
    const detected = namedTemplate(chatTemplate)!;
    assert.equal(detected.name, "llama3-instruct");
    assert.deepEqual(modelCapabilities({ template: detected.template, chatTemplate }), ["completion", "tools"]);
    assert.deepEqual(modelCapabilities({ template: "{{ .Prompt }}", chatTemplate }), ["completion"]);
  });
});
