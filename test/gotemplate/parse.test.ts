import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeString, parseTemplate, TemplateSyntaxError, type ActionNode, type IfNode, type RangeNode } from "../../src/gotemplate/index.js";
import { GOTEMPLATE_CODES } from "../../src/gotemplate/codes.js";
import { readFixture } from "./fixtures.js";

interface ErrorCase {
  name: string;
  template: string;
  message: string;
  offset: number;
  length: number;
  code: string;
  hint?: string;
}

/** Messages checked against Go's parser (see each case's note where Go differs). */
const cases = JSON.parse(readFixture("syntax-errors.json")) as ErrorCase[];

describe("parseTemplate: syntax errors", () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => parseTemplate(c.template), (e: unknown) => {
        assert.ok(e instanceof TemplateSyntaxError, String(e));
        assert.deepEqual(
          { message: e.message, offset: e.offset, length: e.length, code: e.code, hint: e.hint },
          { message: c.message, offset: c.offset, length: c.length, code: c.code, hint: c.hint },
        );
        return true;
      });
    });
  }

  it("every code raised is declared", () => {
    for (const c of cases) assert.ok(c.code in GOTEMPLATE_CODES, c.code);
  });

  it("Ollama's check can be turned off for plain Go templates", () => {
    const ast = parseTemplate('{{ define "x" }}X{{ end }}{{ template "x" }}', { ollama: false });
    assert.equal(ast.templates.size, 1);
  });

  it("extra function names are accepted when declared", () => {
    assert.throws(() => parseTemplate("{{ upper .A }}"), TemplateSyntaxError);
    assert.equal(parseTemplate("{{ upper .A }}", { funcs: ["upper"] }).root.nodes.length, 1);
  });
});

describe("parseTemplate: tree and positions", () => {
  it("gives every node its source span", () => {
    const text = "Hi {{- .Name }}!\n{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}";
    const ast = parseTemplate(text);
    const [hi, name, bang, ifNode] = ast.root.nodes;
    assert.deepEqual(hi, { type: "text", offset: 0, end: 2, text: "Hi" });
    assert.equal(text.slice(name!.offset, name!.end), "{{- .Name }}");
    assert.deepEqual(bang, { type: "text", offset: 15, end: 17, text: "!\n" });
    const iff = ifNode as IfNode;
    assert.equal(text.slice(iff.offset, iff.end), "{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}");
    const inner = iff.elseList!.nodes[0] as IfNode;
    assert.equal(inner.type, "if");
    assert.equal(text.slice(inner.offset, inner.end), "{{ else if .B }}b{{ else }}c{{ end }}");
    assert.equal(nodeString(iff), "{{if .A}}a{{else}}{{if .B}}b{{else}}c{{end}}{{end}}");
  });

  it("parses pipelines, declarations, chains and literals", () => {
    const text = '{{ $x := (index .M "k").Name | printf "%s-%d" 1 | len }}';
    const action = parseTemplate(text).root.nodes[0] as ActionNode;
    assert.equal(nodeString(action), '{{$x := (index .M "k").Name | printf "%s-%d" 1 | len}}');
    assert.deepEqual(action.pipe.decl.map((d) => d.ident), [["$x"]]);
    const chain = action.pipe.cmds[0]!.args[0]!;
    assert.equal(chain.type, "chain");
    assert.equal(text.slice(chain.offset, chain.end), '(index .M "k").Name');
  });

  it("keeps range variables and merges field chains on variables", () => {
    const r = parseTemplate("{{ range $i, $m := .Messages }}{{ $m.Role.X }}{{ end }}").root.nodes[0] as RangeNode;
    assert.deepEqual(r.pipe.decl.map((d) => d.ident[0]), ["$i", "$m"]);
    const arg = (r.list.nodes[0] as ActionNode).pipe.cmds[0]!.args[0]!;
    assert.deepEqual(arg, { type: "variable", offset: 34, end: 43, ident: ["$m", "Role", "X"] });
  });

  it("classifies numbers as Go does", () => {
    const args = (parseTemplate("{{ print 1 1.0 0x1F 'a' 1e3 }}").root.nodes[0] as ActionNode).pipe.cmds[0]!.args.slice(1);
    assert.deepEqual(args.map((a) => (a.type === "number" ? [a.isInt, a.isFloat, a.int, a.float] : a.type)), [
      [true, true, 1, 1], [true, true, 1, 1], [true, true, 31, 31], [true, true, 97, 97], [true, true, 1000, 1000],
    ]);
  });

  it("collects define and block templates; comments vanish", () => {
    const ast = parseTemplate('{{/* c */}}{{ define "a" }}A{{ end }}{{ block "b" . }}B{{ end }}');
    assert.deepEqual([...ast.templates.keys()], ["a", "b"]);
    assert.deepEqual(ast.root.nodes.map((n) => n.type), ["template"]);
  });

  it("an empty redefinition keeps the first body", () => {
    const ast = parseTemplate('{{ define "a" }}A{{ end }}{{ define "a" }}  {{ end }}');
    assert.equal(nodeString(ast.templates.get("a")!), "A");
  });
});

describe("templateDiagnostic", () => {
  it("locates a template error inside the Modelfile that holds it", async () => {
    const { LineIndex, renderDiagnostic } = await import("../../src/diagnostics/index.js");
    const { templateDiagnostic } = await import("../../src/gotemplate/index.js");
    const modelfile = 'FROM llama3\nTEMPLATE """{{ if .System }}\n{{ prnitf "%s" .System }}{{ end }}"""\n';
    const base = modelfile.indexOf('"""') + 3;
    const text = modelfile.slice(base, modelfile.lastIndexOf('"""'));
    let err: unknown;
    try {
      parseTemplate(text);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof TemplateSyntaxError);
    const d = templateDiagnostic(err, { file: "Modelfile", lines: new LineIndex(modelfile), base });
    assert.equal(
      renderDiagnostic(d, { source: () => modelfile }),
      'Modelfile:3:4: error[MS7003]: template: function "prnitf" not defined\n' +
        ' 3 | {{ prnitf "%s" .System }}{{ end }}"""\n' +
        "   |    ^^^^^^\n" +
        "hint: did you mean `printf`?",
    );
  });
});
