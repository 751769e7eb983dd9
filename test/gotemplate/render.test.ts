import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GoFloat, goStruct, parseTemplate, renderTemplate, TemplateExecError } from "../../src/gotemplate/index.js";
import { readFixture } from "./fixtures.js";

/**
 * render-cases.json pins Go's behaviour: every case was checked against Go's
 * own text/template (missingkey=zero, as Ollama runs it) with the verifier in
 * test/fixtures/gotemplate/go/; cases marked sinceGo need that Go version.
 */
interface Case {
  name: string;
  template: string;
  data: unknown;
  want?: string;
  error?: string;
}

const cases = JSON.parse(readFixture("render-cases.json")) as Case[];

describe("renderTemplate: cases pinned against Go", () => {
  for (const c of cases) {
    it(c.name, () => {
      const ast = parseTemplate(c.template);
      if (c.want !== undefined) {
        assert.equal(renderTemplate(ast, c.data), c.want);
      } else {
        assert.throws(() => renderTemplate(ast, c.data), (e: unknown) => {
          assert.ok(e instanceof TemplateExecError, String(e));
          assert.equal(e.message, c.error);
          return true;
        });
      }
    });
  }
});

describe("renderTemplate: JS data as Go values", () => {
  const render = (t: string, data: unknown) => renderTemplate(parseTemplate(t), data);

  class User {
    constructor(readonly Name: string) {}
    Greet(n: unknown): string {
      return `hi ${String(n)} from ${this.Name}`;
    }
    String(): string {
      return `User(${this.Name})`;
    }
  }

  it("calls class methods with arguments", () => {
    assert.equal(render('{{ .U.Greet "ann" }}|{{ .U.Name }}', { U: new User("bob") }), "hi ann from bob|bob");
  });

  it("prints through String() like fmt.Stringer", () => {
    assert.equal(render("{{ .U }} {{ print .U }}", { U: new User("bob") }), "User(bob) User(bob)");
  });

  it("a function stored in a map is a value, not a method", () => {
    assert.throws(() => render("{{ .F 1 }}", { F: () => 1 }), /F is not a method but has arguments/);
  });

  it("structs are strict about fields and print as {..}", () => {
    const s = goStruct("*main.T", { A: 1, B: "x" });
    assert.equal(render("{{ .S.A }} {{ .S }}", { S: s }), "1 &{1 x}");
    assert.throws(() => render("{{ with .S }}{{ .C }}{{ end }}", { S: s }), /can't evaluate field C in type \*main.T/);
    // Read straight out of a map, Go only knows the value as an interface {}.
    assert.throws(() => render("{{ .S.C }}", { S: s }), /can't evaluate field C in type interface \{\}/);
  });

  it("structs are always true, even with zero fields", () => {
    assert.equal(render("{{ if .S }}y{{ end }}", { S: goStruct("T", {}) }), "y");
  });

  it("GoFloat keeps float kind for integral values", () => {
    assert.equal(render("{{ .F }} {{ .I }}", { F: new GoFloat(1e6), I: 1e6 }), "1e+06 1000000");
    assert.throws(() => render("{{ eq .F 1 }}", { F: new GoFloat(1) }), /incompatible types for comparison/);
  });

  it("Map instances are maps", () => {
    assert.equal(render("{{ .M.a }} {{ len .M }} {{ range $k, $v := .M }}{{ $k }}{{ $v }}{{ end }}", { M: new Map([["b", 2], ["a", 1]]) }), "1 2 a1b2");
  });

  it("call invokes a function value", () => {
    assert.equal(render("{{ call .F 2 3 }}", { F: (a: number, b: number) => a * b }), "6");
  });

  it("extra functions can be registered", () => {
    const ast = parseTemplate('{{ upper "a" }}', { funcs: ["upper"] });
    assert.equal(renderTemplate(ast, {}, { funcs: { upper: (s: unknown) => String(s).toUpperCase() } }), "A");
  });

  it("currentDate and yesterdayDate use the injected clock", () => {
    const now = () => new Date(2024, 2, 1, 10, 0, 0);
    assert.equal(renderTemplate(parseTemplate("{{ currentDate }} {{ yesterdayDate }}"), {}, { now }), "2024-03-01 2024-02-29");
  });

  it("json encodes like Go: sorted keys, HTML-safe escapes", () => {
    assert.equal(render("{{ json .X }}", { X: { b: "<a&b>", a: [1, 2.5, null, true] } }), '{"a":[1,2.5,null,true],"b":"\\u003ca\\u0026b\\u003e"}');
  });

  it("json of a struct keeps field order", () => {
    assert.equal(render("{{ json .S }}", { S: goStruct("T", { Z: 1, A: "x" }) }), '{"Z":1,"A":"x"}');
  });

  it("toTypeScriptType maps tool property types", () => {
    const p = goStruct("api.ToolProperty", { AnyOf: [], Type: ["integer", "null"] });
    assert.equal(render("{{ toTypeScriptType .P }} {{ toTypeScriptType .X }}", { P: p, X: "s" }), "number | null any");
  });

  it("reports where execution failed", () => {
    const text = "ab{{ index .L 5 }}";
    assert.throws(() => renderTemplate(parseTemplate(text), { L: [1] }), (e: unknown) => {
      assert.ok(e instanceof TemplateExecError);
      assert.equal(text.slice(e.offset, e.offset + e.length), "index .L 5");
      assert.equal(e.context, "index .L 5");
      assert.equal(e.code, "MS7101");
      assert.equal(e.goMessage, 'executing "" at <index .L 5>: error calling index: index out of range: 5');
      return true;
    });
  });

  it("stops runaway recursion with an error", () => {
    assert.throws(() => render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', {}), TemplateExecError);
  });
});
