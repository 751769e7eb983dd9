import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseTemplate, renderTemplate, TemplateExecError, TemplateSyntaxError } from "../../src/gotemplate/index.js";

/** Pieces that reach deep into the lexer and parser when glued together at random. */
const PIECES = [
  "{{", "}}", "{{- ", " -}}", "{{/*", "*/}}", " ", "\n", "\t", "if", "else", "end", "range", "with", "define", "block",
  "template", "break", "continue", ".A", ".B.C", ".", "$", "$x", "$i", ",", ":=", "=", "|", "(", ")", '"s"', "`r`", "'c'",
  "1", "-2", "1.5", "0x1F", "1e3", "nil", "true", "eq", "and", "or", "not", "len", "index", "printf", "print", "json",
  "x", "é", "☃", "\\", '"', "`", "'", "-", "#", "{", "}",
];

const templateLike = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(""));
const data = { A: [1, "two", null, { B: { C: 3 } }], B: { C: "c" }, X: "" };

/** Parsing never crashes: it returns a tree or a TemplateSyntaxError whose span lies inside the text. */
function parsesOrReports(text: string): void {
  try {
    const ast = parseTemplate(text);
    try {
      renderTemplate(ast, data);
    } catch (e) {
      assert.ok(e instanceof TemplateExecError, `render threw ${String(e)} for ${JSON.stringify(text)}`);
    }
  } catch (e) {
    assert.ok(e instanceof TemplateSyntaxError, `parse threw ${String(e)} for ${JSON.stringify(text)}`);
    assert.ok(e.offset >= 0 && e.length >= 0 && e.offset + e.length <= text.length, `span ${e.offset}+${e.length} outside ${JSON.stringify(text)}`);
    assert.ok(e.message.length > 0);
  }
}

describe("random input never crashes the parser", () => {
  it("template-like strings", () => {
    fc.assert(fc.property(templateLike, (t) => parsesOrReports(t)), { numRuns: 3000, seed: 7 });
  });

  it("arbitrary unicode strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), (t) => parsesOrReports(t)), { numRuns: 1500, seed: 11 });
  });

  it("arbitrary strings inside an action", () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (t) => parsesOrReports(`a {{ ${t} }} b`)), { numRuns: 1500, seed: 13 });
  });
});
