import assert from "node:assert/strict";
import { test } from "node:test";
import { renderPrompt, requestMessages, type PromptLayers } from "../../src/runtime/index.js";
import { rejection } from "../store/helpers.js";

const JINJA = "{{ bos_token }}{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
const chat = (addBos: boolean): PromptLayers => ({ system: "S", messages: [], chatTemplate: { template: JINJA, bosToken: "<s>", eosToken: "</s>", addBos } });
const rejects = (f: () => unknown) => rejection(Promise.resolve().then(f));

test("raw: the prompt as it is, no SYSTEM, no template", () => {
  assert.deepEqual(renderPrompt({ template: "[INST] {{ .Prompt }}", system: "S", messages: [] }, { prompt: "x {{ .Prompt }}", raw: true }), { text: "x {{ .Prompt }}", via: "raw", messages: [] });
});

test("without TEMPLATE: the GGUF's Jinja template, generation prompt on; a leading BOS dropped only when the tokenizer adds one", () => {
  assert.equal(renderPrompt(chat(true), { prompt: "hi" }).text, "<system>S<user>hi<assistant>");
  assert.equal(renderPrompt(chat(false), { prompt: "hi" }).text, "<s><system>S<user>hi<assistant>");
});

test("without TEMPLATE or chat template: Ollama's default {{ .Prompt }}", () => {
  const r = renderPrompt({ system: "S", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] }, { prompt: "c" });
  assert.deepEqual([r.text, r.via], ["abc", "default"]);
});

test("message lists: prompt form and chat form, SYSTEM dropped only for a leading system message", () => {
  const layers: PromptLayers = { system: "S", messages: [{ role: "user", content: "m" }] };
  assert.deepEqual(requestMessages(layers, { prompt: "p" }), [{ role: "system", content: "S" }, { role: "user", content: "m" }, { role: "user", content: "p" }]);
  assert.deepEqual(requestMessages(layers, { messages: [{ role: "user", content: "u" }, { role: "system", content: "late" }] }), [
    { role: "system", content: "S" }, { role: "user", content: "m" }, { role: "user", content: "u" }, { role: "system", content: "late" },
  ]);
  assert.deepEqual(requestMessages(layers, { messages: [{ role: "system", content: "mine" }] }), [{ role: "user", content: "m" }, { role: "system", content: "mine" }]);
  assert.deepEqual(requestMessages({ system: "", messages: [] }, { prompt: "p" }), [{ role: "user", content: "p" }]);
});

test("malformed requests are MS8006 (a role other than system, user, assistant and tool)", async () => {
  const layers: PromptLayers = { messages: [] };
  for (const req of [{}, { prompt: "a", messages: [] }, { messages: [] }, { raw: true }, { messages: [{ role: "function", content: "x" }] }]) {
    const r = await rejects(() => renderPrompt(layers, req as never));
    assert.deepEqual([r.code, r.kind], ["MS8006", "input"], JSON.stringify(req));
  }
});

test("tool messages and tools reach the TEMPLATE as .Tools, .ToolCalls and .ToolName", () => {
  const template =
    '{{ if .Tools }}[{{ range .Tools }}{{ .Function.Name }}{{ end }}]{{ end }}{{ range .Messages }}{{ .Role }}:{{ .Content }}{{ range .ToolCalls }}<{{ .Function.Name }} {{ .Function.Arguments }}>{{ end }}{{ if .ToolName }}({{ .ToolName }}){{ end }};{{ end }}';
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }];
  const messages = [
    { role: "user" as const, content: "q" },
    { role: "assistant" as const, content: "", tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }] },
    { role: "tool" as const, content: "r", tool_name: "f" },
  ];
  assert.equal(renderPrompt({ template, messages: [] }, { messages, tools }).text, '[f]user:q;assistant:<f {"a":1}>;tool:r(f);');
  assert.equal(renderPrompt({ template, messages: [] }, { messages }).text, 'user:q;assistant:<f {"a":1}>;tool:r(f);');
});

test("templates that fail are MS8007 with Go's message", async () => {
  const syntax = await rejects(() => renderPrompt({ template: "{{ .Prompt ", messages: [] }, { prompt: "p" }));
  assert.equal(syntax.code, "MS8007");
  assert.match(syntax.message, /^TEMPLATE: /);
  const exec = await rejects(() => renderPrompt({ template: "{{ index .Messages 5 }}", messages: [] }, { prompt: "p" }));
  assert.equal(exec.code, "MS8007");
  assert.match(exec.message, /index out of range/);
  const jinja = await rejects(() => renderPrompt({ messages: [], chatTemplate: { template: "{% for %}", bosToken: "", eosToken: "", addBos: false } }, { prompt: "p" }));
  assert.equal(jinja.code, "MS8007");
});
