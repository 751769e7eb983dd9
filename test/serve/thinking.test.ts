import assert from "node:assert/strict";
import { test } from "node:test";
import { inferThinkingTags, parseTemplate } from "../../src/gotemplate/index.js";
import { modelCapabilities } from "../../src/serve/capabilities.js";
import { findRoute } from "../../src/serve/routes.js";
import { ThinkingParser } from "../../src/serve/thinking-parser.js";

/** Ollama's thinking/ tests, ported: the parser and the tag inference, no model needed. */

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/thinking/parser_test.go
test("ThinkingParser: whole answers split as Ollama's ExtractThinking cases", () => {
  for (const [input, thinking, content] of [
    ["<think> internal </think> world", "internal ", "world"],
    ["<think>a</think><think>b</think>c", "a", "<think>b</think>c"],
    ["no think", "", "no think"],
  ] as const) {
    assert.deepEqual(new ThinkingParser("<think>", "</think>").add(input), { thinking, content }, input);
  }
});

test("ThinkingParser: streamed pieces, partial tags held back until they are unambiguous (Ollama's streaming cases)", () => {
  const cases: Array<{ desc: string; steps: Array<[string, string, string]> }> = [
    { desc: "content without a thinking tag", steps: [["  abc", "", "  abc"], ["def", "", "def"]] },
    { desc: "content before a thinking tag nerfs the tag", steps: [["  abc <think>def</think> ghi", "", "  abc <think>def</think> ghi"]] },
    { desc: "building up an opening tag", steps: [["  <th", "", ""], ["in", "", ""], ["k>a", "a", ""]] },
    { desc: "partial closing tag", steps: [["<think>abc</th", "abc", ""], ["ink>def", "", "def"]] },
    { desc: "partial closing tag fakeout", steps: [["<think>abc</th", "abc", ""], ["ing>def", "</thing>def", ""], ["ghi</thi", "ghi", ""], ["nk>jkl", "", "jkl"]] },
  ];
  for (const c of cases) {
    const p = new ThinkingParser("<think>", "</think>");
    for (const [input, thinking, content] of c.steps) assert.deepEqual(p.add(input), { thinking, content }, `${c.desc}: ${JSON.stringify(input)}`);
  }
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/thinking/template_test.go
test("inferThinkingTags: Ollama's cases (a range over .Messages, the nearest list's first and last text, trimmed)", () => {
  const basic = `
			{{ if .Thinking}}
				/think
			{{ end }}
			{{- range $i, $_ := .Messages }}
				{{- $last := eq (len (slice $.Messages $i)) 1 -}}
				{{ if and $last .Thinking }}
					<think>{{ .Thinking }}</think>
				{{ end }}
			{{ end }}
		`;
  assert.deepEqual(inferThinkingTags(parseTemplate(basic)), ["<think>", "</think>"]);
  const nested = basic.replace("{{- $last", "{{- range $j, $_ := .NotMessages }}{{- $last").replace("{{ end }}\n\t\t\t{{ end }}", "{{ end }}{{ end }}\n\t\t\t{{ end }}");
  assert.deepEqual(inferThinkingTags(parseTemplate(nested)), ["", ""]);
  const words = basic.replace("<think>{{ .Thinking }}</think>", "Some text before   {{ .Thinking }}    Some text after");
  assert.deepEqual(inferThinkingTags(parseTemplate(words)), ["Some text before", "Some text after"]);
  assert.deepEqual(inferThinkingTags(parseTemplate("{{ .System }}{{ .Prompt }}")), ["", ""]);
});

// https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L223-L234
test("modelCapabilities: thinking from the TEMPLATE's tags, else from the GGUF chat template's <think>", () => {
  assert.deepEqual(modelCapabilities({ template: "{{ .Prompt }}", chatTemplate: "<think></think>" }), ["completion"]);
  assert.deepEqual(modelCapabilities({ chatTemplate: "{% if x %}<think>\n{{ r }}\n</think>{% endif %}" }), ["completion", "thinking"]);
  assert.deepEqual(modelCapabilities({ chatTemplate: "{{ content.split('</think>')[-1] }}" }), ["completion", "thinking"]);
  assert.deepEqual(modelCapabilities({ chatTemplate: "{{ content.split('</think>')[-1] }} reasoning_content" }), ["completion"]);
  assert.deepEqual(modelCapabilities({}), ["completion"]);
});

test("findRoute: exact paths first, `:name` one segment, `:name*` the rest; nothing else", () => {
  const routes = { "GET /a": 1, "HEAD /b/:d": 2, "GET /m/:id*": 3 };
  assert.deepEqual(findRoute(routes, "GET", "/a"), { value: 1, params: {} });
  assert.deepEqual(findRoute(routes, "HEAD", "/b/sha256%3Aab"), { value: 2, params: { d: "sha256:ab" } });
  assert.deepEqual(findRoute(routes, "GET", "/m/registry.ollama.ai/library/x:latest"), { value: 3, params: { id: "registry.ollama.ai/library/x:latest" } });
  for (const [m, p] of [["GET", "/b/x"], ["HEAD", "/b/"], ["HEAD", "/b/x/y"], ["GET", "/m/"], ["GET", "/a/"], ["HEAD", "/b/%zz"]] as const) assert.equal(findRoute(routes, m, p), undefined, `${m} ${p}`);
});
