import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderPrompt, type ChatMessage, type GenerateRequest } from "../../src/runtime/index.js";
import { fromRoot } from "../helpers/paths.js";

/**
 * Golden prompts: each TEMPLATE in fixtures/runtime/prompts/templates rendered
 * for each scenario of scenarios.json must equal expected/<template>/<scenario>.txt
 * byte for byte. The expected texts were checked by hand against Ollama's
 * Template.Execute rules (see each case in the comments of prompt.ts).
 * MODELSMITH_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
 */
const dir = fromRoot("test/fixtures/runtime/prompts");
const scenarios = JSON.parse(readFileSync(path.join(dir, "scenarios.json"), "utf8")) as Record<
  string,
  { layers: { system?: string; messages?: ChatMessage[] }; request: Pick<GenerateRequest, "prompt" | "messages"> }
>;
const templates = readdirSync(path.join(dir, "templates")).filter((f) => f.endsWith(".tmpl")).sort();
const update = process.env.MODELSMITH_UPDATE_GOLDEN === "1";

test("the fixture set is complete: 4 templates x 4 scenarios", () => {
  assert.deepEqual(templates, ["chatml.tmpl", "llama3.tmpl", "mistral.tmpl", "system-prompt.tmpl"]);
  assert.deepEqual(Object.keys(scenarios), ["prompt", "system", "history", "chat-own-system"]);
});

for (const file of templates) {
  const name = file.replace(/\.tmpl$/, "");
  const template = readFileSync(path.join(dir, "templates", file), "utf8");
  for (const [scenario, { layers, request }] of Object.entries(scenarios)) {
    test(`${name} / ${scenario}`, () => {
      const text = renderPrompt({ template, messages: layers.messages ?? [], ...(layers.system ? { system: layers.system } : {}) }, request).text;
      const expectedFile = path.join(dir, "expected", name, `${scenario}.txt`);
      if (update) {
        mkdirSync(path.dirname(expectedFile), { recursive: true });
        writeFileSync(expectedFile, text);
      }
      assert.equal(text, readFileSync(expectedFile, "utf8"));
    });
  }
}
