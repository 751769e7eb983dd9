import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collate, parseTemplate, renderOllamaPrompt, templateVars, type OllamaMessage } from "../../src/gotemplate/index.js";
import { listFixtures, readFixture } from "./fixtures.js";

/** The three conversations of Ollama's TestTemplate; expected outputs are Ollama's testdata. */
const conversations: Record<string, OllamaMessage[]> = {
  user: [{ role: "user", content: "Hello, how are you?" }],
  "user-assistant-user": [
    { role: "user", content: "Hello, how are you?" },
    { role: "assistant", content: "I'm doing great. How can I help you today?" },
    { role: "user", content: "I'd like to show off how chat templating works!" },
  ],
  "system-user-assistant-user": [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Hello, how are you?" },
    { role: "assistant", content: "I'm doing great. How can I help you today?" },
    { role: "user", content: "I'd like to show off how chat templating works!" },
  ],
};

/** Ollama's test drops one trailing space for these before comparing. */
const TRIM_TRAILING_SPACE = new Set(["chatqa.gotmpl", "llama2-chat.gotmpl", "mistral-instruct.gotmpl", "openchat.gotmpl", "vicuna.gotmpl"]);

const template = (name: string) => parseTemplate(readFixture(`ollama/${name}`));

describe("Ollama's templates render byte for byte like Ollama", () => {
  for (const file of listFixtures("ollama").filter((f) => f.endsWith(".gotmpl"))) {
    for (const [name, messages] of Object.entries(conversations)) {
      it(`${file} ${name}`, () => {
        let got = renderOllamaPrompt(template(file), { messages });
        if (TRIM_TRAILING_SPACE.has(file) && got.endsWith(" ")) got = got.slice(0, -1);
        assert.equal(got, readFixture(`ollama/expected/${file}/${name}`));
      });
    }
  }
});

describe("the prompts modelsmith relies on", () => {
  const system: OllamaMessage = { role: "system", content: "You are terse." };
  const user: OllamaMessage = { role: "user", content: "Hi!" };

  it("llama3 with system and prompt", () => {
    assert.equal(
      renderOllamaPrompt(template("llama3-instruct.gotmpl"), { messages: [system, user] }),
      "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("llama3 without system", () => {
    assert.equal(
      renderOllamaPrompt(template("llama3-instruct.gotmpl"), { messages: [user] }),
      "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("mistral [INST] with system and prompt", () => {
    assert.equal(renderOllamaPrompt(template("mistral-instruct.gotmpl"), { messages: [system, user] }), "[INST] You are terse.\n\nHi![/INST]");
  });

  it("chatml with system and prompt", () => {
    assert.equal(
      renderOllamaPrompt(template("chatml.gotmpl"), { messages: [system, user] }),
      "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  const ifSystem = parseTemplate("{{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}");

  it("a legacy System/Prompt template with system", () => {
    assert.equal(renderOllamaPrompt(ifSystem, { messages: [system, user] }), "You are terse.\n\nHi!");
  });

  it("a legacy System/Prompt template without system", () => {
    assert.equal(renderOllamaPrompt(ifSystem, { messages: [user] }), "Hi!");
  });

  it("a legacy template replays earlier turns with an appended {{ .Response }}", () => {
    const messages: OllamaMessage[] = [user, { role: "assistant", content: "Hello." }, { role: "user", content: "Bye" }];
    assert.equal(renderOllamaPrompt(ifSystem, { messages }), "Hi!Hello.Bye");
  });
});

describe("Ollama's TestExecuteWithMessages", () => {
  const mistralLegacy = "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] ";
  const cases: { name: string; templates: string[]; messages: OllamaMessage[]; want: string }[] = [
    {
      name: "mistral",
      templates: [
        mistralLegacy,
        `${mistralLegacy}{{ .Response }}`,
        '[INST] {{ if .System }}{{ .System }}\n\n{{ end }}\n{{- range .Messages }}\n{{- if eq .Role "user" }}{{ .Content }}[/INST] {{ else if eq .Role "assistant" }}{{ .Content }}[INST] {{ end }}\n{{- end }}',
      ],
      messages: [
        { role: "user", content: "Hello friend!" },
        { role: "assistant", content: "Hello human!" },
        { role: "user", content: "What is your name?" },
      ],
      want: "[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] ",
    },
    {
      name: "mistral system",
      templates: [
        mistralLegacy,
        `${mistralLegacy}{{ .Response }}`,
        '[INST] {{ if .System }}{{ .System }}\n\n{{ end }}\n{{- range .Messages }}\n{{- if eq .Role "user" }}{{ .Content }}[/INST] {{ else if eq .Role "assistant" }}{{ .Content }}[INST] {{ end }}\n{{- end }}',
      ],
      messages: [
        { role: "system", content: "You are a helpful assistant!" },
        { role: "user", content: "Hello friend!" },
        { role: "assistant", content: "Hello human!" },
        { role: "user", content: "What is your name?" },
      ],
      want: "[INST] You are a helpful assistant!\n\nHello friend![/INST] Hello human![INST] What is your name?[/INST] ",
    },
    {
      name: "mistral assistant",
      templates: [
        "[INST] {{ .Prompt }}[/INST] ",
        "[INST] {{ .Prompt }}[/INST] {{ .Response }}",
        '\n{{- range $i, $m := .Messages }}\n{{- if eq .Role "user" }}[INST] {{ .Content }}[/INST] {{ else if eq .Role "assistant" }}{{ .Content }}{{ end }}\n{{- end }}',
      ],
      messages: [
        { role: "user", content: "Hello friend!" },
        { role: "assistant", content: "Hello human!" },
        { role: "user", content: "What is your name?" },
        { role: "assistant", content: "My name is Ollama and I" },
      ],
      want: "[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] My name is Ollama and I",
    },
    {
      name: "chatml",
      templates: [
        "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>\n",
        "\n{{- range $index, $_ := .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n",
      ],
      messages: [
        { role: "system", content: "You are a helpful assistant!" },
        { role: "user", content: "Hello friend!" },
        { role: "assistant", content: "Hello human!" },
        { role: "user", content: "What is your name?" },
      ],
      want: "<|im_start|>system\nYou are a helpful assistant!<|im_end|>\n<|im_start|>user\nHello friend!<|im_end|>\n<|im_start|>assistant\nHello human!<|im_end|>\n<|im_start|>user\nWhat is your name?<|im_end|>\n<|im_start|>assistant\n",
    },
  ];
  for (const c of cases) {
    c.templates.forEach((t, i) => {
      it(`${c.name} #${i + 1}`, () => assert.equal(renderOllamaPrompt(parseTemplate(t), { messages: c.messages }), c.want));
    });
  }

  it("prompt with suffix (fill in the middle)", () => {
    const t = parseTemplate("{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>\n{{- else }}{{ .Prompt }}\n{{- end }}");
    assert.equal(renderOllamaPrompt(t, { messages: [{ role: "user", content: "hello" }] }), "hello");
    assert.equal(renderOllamaPrompt(t, { prompt: "def add(", suffix: "return x" }), "<PRE> def add( <SUF>return x <MID>");
  });

  it("fields Ollama does not pass print <no value>", () => {
    const t = parseTemplate("{{ .Prompt }}|{{ range .Messages }}{{ .Content }}{{ end }}");
    assert.equal(renderOllamaPrompt(t, { messages: [{ role: "user", content: "x" }] }), "<no value>|x");
  });
});

describe("Ollama's data for templates", () => {
  it("collate merges runs of one role, except tool messages", () => {
    const { system, messages } = collate([
      { role: "system", content: "S1" },
      { role: "system", content: "S2" },
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "tool", content: "t1" },
      { role: "tool", content: "t2" },
    ]);
    assert.equal(system, "S1\n\nS2");
    assert.deepEqual(messages.map((m) => [m.role, m.content]), [["system", "S1\n\nS2"], ["user", "a\n\nb"], ["tool", "t1"], ["tool", "t2"]]);
  });

  it("tool call arguments print as JSON with sorted keys", () => {
    const t = parseTemplate("{{- range .Messages }}{{- range .ToolCalls }}{{ .Function.Name }}{{ .Function.Arguments }}{{ .Function.Arguments.n }}{{- end }}{{- end }}");
    const messages: OllamaMessage[] = [
      { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { unit: "celsius", location: "Tokyo", n: 1e6 } } }] },
    ];
    assert.equal(renderOllamaPrompt(t, { messages }), 'get_weather{"location":"Tokyo","n":1000000,"unit":"celsius"}1e+06');
  });

  it("tools print as Ollama's JSON and feed toTypeScriptType", () => {
    const t = parseTemplate(
      "{{- range .Messages }}{{ end }}{{ .Tools }}\n{{ range .Tools }}{{ range $k, $v := .Function.Parameters.Properties }}{{ $k }}: {{ toTypeScriptType $v }} ({{ $v.Type }});{{ end }}{{ .Function.Parameters.Properties }}{{ end }}",
    );
    const out = renderOllamaPrompt(t, {
      messages: [{ role: "user", content: "weather?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Get <weather>",
            parameters: {
              type: "object",
              required: ["location"],
              properties: { location: { type: "string", description: "City name" }, days: { type: ["integer", "null"] } },
            },
          },
        },
      ],
    });
    assert.equal(
      out,
      '[{"type":"function","function":{"name":"get_weather","description":"Get \\u003cweather\\u003e","parameters":{"type":"object","required":["location"],"properties":{"days":{"type":["integer","null"]},"location":{"type":"string","description":"City name"}}}}}]\n' +
        'days: number | null ([integer null]);location: string (string);{"days":{"type":["integer","null"]},"location":{"type":"string","description":"City name"}}',
    );
  });

  it("json of messages and think flags reach the template", () => {
    const t = parseTemplate("{{ range .Messages }}{{ json .Role }}{{ end }}{{ if .Think }}think:{{ .ThinkLevel }}{{ end }}");
    assert.equal(renderOllamaPrompt(t, { messages: [{ role: "user", content: "x" }], think: true, thinkLevel: "high" }), '"user"think:high');
  });
});

describe("templateVars (Ollama's Vars)", () => {
  const cases: [string, string[]][] = [
    ["{{ .Prompt }}", ["prompt"]],
    ["{{ .System }} {{ .Prompt }} {{ .Response }}", ["prompt", "response", "system"]],
    ["{{ with .Tools }}{{ . }}{{ end }} {{ .System }} {{ .Prompt }}", ["prompt", "system", "tools"]],
    ["{{ range .Messages }}{{ .Role }} {{ .Content }}{{ end }}", ["content", "messages", "role"]],
    ['{{ range .Messages }}{{ if eq .Role "tool" }}Tool Result: {{ .ToolName }} {{ .Content }}{{ end }}{{ end }}', ["content", "messages", "role", "toolname"]],
    ["{{ $m := .Messages }}{{ (print $m.X) }}", ["$m", "messages", "x"]],
  ];
  for (const [text, vars] of cases) it(text, () => assert.deepEqual(templateVars(parseTemplate(text)), vars));
});
