import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { jsonSchemaToGrammar, SchemaGrammarError } from "../../src/runtime/json-schema-grammar/index.js";

/**
 * Differential test of our JSON Schema to GBNF port against llama.cpp's own
 * converter, examples/json_schema_to_grammar.py from the llama.cpp release
 * bundled with node-llama-cpp 3.21.1 (node_modules/node-llama-cpp/llama/gitRelease.bundle),
 * run with the system python (stdlib only: json, re, argparse, itertools).
 * The grammars must be byte-equal, no normalization.
 * Reference: https://github.com/ggml-org/llama.cpp/blob/master/examples/json_schema_to_grammar.py
 * (visit(): the branch order; _build_object_rule: required first, then optional in schema order;
 * _generate_min_max_int: integer ranges; _visit_pattern: regex to GBNF; SPACE_RULE: the whitespace bound).
 */

const PYTHON = "/usr/bin/python3";
const BUNDLE = new URL("../../../node_modules/node-llama-cpp/llama/gitRelease.bundle", import.meta.url).pathname;
let dir = "";
let script = "";

before(() => {
  if (!existsSync(PYTHON)) return;
  dir = mkdtempSync(join(tmpdir(), "ms-jsg-"));
  // Only the one file is needed: read it out of the bundle without a checkout.
  execFileSync("git", ["clone", "--quiet", "--bare", BUNDLE, join(dir, "llama.git")], { stdio: "ignore" });
  const source = execFileSync("git", ["--git-dir", join(dir, "llama.git"), "show", "HEAD:examples/json_schema_to_grammar.py"], { encoding: "utf8" });
  script = join(dir, "json_schema_to_grammar.py");
  writeFileSync(script, source);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCHEMAS: Record<string, object> = {
  "primitives": { type: "object", properties: { s: { type: "string" }, n: { type: "number" }, i: { type: "integer" }, b: { type: "boolean" }, z: { type: "null" } }, required: ["s", "n", "i", "b", "z"] },
  "integer min..max": { type: "object", properties: { n: { type: "integer", minimum: 5, maximum: 7 } }, required: ["n"] },
  "integer wide range": { type: "integer", minimum: -123, maximum: 4567 },
  "integer min only": { type: "integer", minimum: 42 },
  "integer negative min": { type: "integer", minimum: -5 },
  "integer max only": { type: "integer", maximum: 300 },
  "integer negative max": { type: "integer", maximum: -10 },
  "integer exclusive": { type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 100 },
  "integer zero min": { type: "integer", minimum: 0 },
  "pattern": { type: "string", pattern: "^[a-z]{2,4}-\\d+(\\.[0-9]+)?$" },
  "pattern literal and dot": { type: "string", pattern: "^ab.c|x\"y(z)*$" },
  "pattern quantifiers": { type: "string", pattern: "^(ab){3}[A-Z]{1,}x{0,2}$" },
  "minLength/maxLength": { type: "string", minLength: 2, maxLength: 5 },
  "maxLength only": { type: "string", maxLength: 3 },
  "formats": { type: "object", properties: { d: { type: "string", format: "date" }, t: { type: "string", format: "time" }, dt: { type: "string", format: "date-time" }, u: { type: "string", format: "uuid" } } },
  "enum and const": { type: "object", properties: { e: { enum: ["red", 1, null, true, "é"] }, c: { const: { a: [1, "x"] } } }, required: ["e", "c"] },
  "$ref/$defs": { $defs: { tag: { type: "string", enum: ["a", "b"] }, node: { type: "object", properties: { t: { $ref: "#/$defs/tag" } } } }, type: "object", properties: { x: { $ref: "#/$defs/node" }, y: { $ref: "#/$defs/tag" } } },
  "definitions": { definitions: { n: { type: "integer", minimum: 1 } }, type: "array", items: { $ref: "#/definitions/n" } },
  "anyOf/oneOf": { type: "object", properties: { a: { anyOf: [{ type: "integer" }, { type: "null" }] }, o: { oneOf: [{ type: "string" }, { type: "boolean" }] } } },
  "type list": { type: ["string", "null"] },
  "allOf": { allOf: [{ type: "object", properties: { a: { type: "string" } } }, { anyOf: [{ type: "object", properties: { b: { type: "integer" } } }] }] },
  "allOf enums": { allOf: [{ enum: ["a", "b", "c"] }, { enum: ["c", "b"] }] },
  "additionalProperties false": { type: "object", properties: { a: { type: "string" } }, additionalProperties: false },
  "additionalProperties true": { type: "object", properties: { ab: { type: "string" }, ac: { type: "string" } }, additionalProperties: true },
  "additionalProperties schema": { type: "object", additionalProperties: { type: "integer" } },
  "required and optional ordering": { type: "object", properties: { o1: { type: "string" }, r1: { type: "string" }, o2: { type: "number" }, r2: { type: "boolean" }, o3: { type: "null" } }, required: ["r2", "r1"] },
  "array bounds": { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 },
  "array min only": { type: "array", items: { type: "string" }, minItems: 2 },
  "prefixItems": { type: "array", prefixItems: [{ type: "string" }, { type: "integer", minimum: 0, maximum: 9 }] },
  "empty schema": {},
  "description only": { description: "anything" },
  "object without properties": { type: "object" },
  "reserved names": { type: "object", properties: { number: { type: "string" }, root: { type: "integer" }, "a b": { type: "boolean" } } },
};

test("each keyword's grammar equals llama.cpp's json_schema_to_grammar.py output byte for byte", (t) => {
  if (!existsSync(PYTHON)) return t.skip("/usr/bin/python3 is missing: cannot run llama.cpp's reference converter");
  // One python process runs the reference's own main() (as `json_schema_to_grammar.py schema.json`) on every schema.
  const files = Object.entries(SCHEMAS).map(([, schema], i) => {
    const file = join(dir, `schema-${i}.json`);
    writeFileSync(file, JSON.stringify(schema));
    return file;
  });
  const driver = `import sys, io, contextlib\nsys.path.insert(0, ${JSON.stringify(dir)})\nimport json_schema_to_grammar as j\nfor f in sys.argv[1:]:\n  b = io.StringIO()\n  with contextlib.redirect_stdout(b): j.main([f])\n  sys.stdout.write(b.getvalue() + "\\0")\n`;
  const outputs = execFileSync(PYTHON, ["-c", driver, ...files], { encoding: "utf8" }).split("\0");
  const mismatches: string[] = [];
  for (const [i, [name, schema]] of Object.entries(SCHEMAS).entries()) {
    const expected = outputs[i]!.replace(/\n$/, "");
    assert.match(expected, /^root ::= |\nroot ::= /m, `${name}: the reference gave no grammar`);
    const actual = jsonSchemaToGrammar(schema);
    if (actual !== expected) mismatches.push(`${name}:\n--- llama.cpp\n${expected}\n--- ours\n${actual}`);
  }
  assert.deepEqual(mismatches, []);
});

test("what llama.cpp's converter refuses is refused with the JSON path", () => {
  const cases: Array<[object, RegExp, string]> = [
    [{ type: "object", properties: { a: { $ref: "https://example.com/s.json" } } }, /only local references/, "/properties/a"],
    [{ type: "object", properties: { p: { type: "string", pattern: "[a-z]+" } } }, /must start with "\^" and end with "\$"/, "/properties/p"],
    [{ type: "string", pattern: "^(?=a)b$" }, /unsupported syntax "\(\?"/, "/"],
    [{ type: "string", pattern: "^[ab$" }, /unbalanced square brackets/, "/"],
    [{ type: "string", pattern: "^a}$" }, /unbalanced \}/, "/"],
    [{ type: "array", items: { $ref: "#/$defs/missing" } }, /points at nothing/, "/items"],
    [{ type: "integer", minimum: 1.5 }, /must be an integer/, "/"],
    [{ type: "integer", minimum: 9, maximum: 3 }, /no integer lies between/, "/"],
    [{ type: "widget" }, /unknown `type`/, "/"],
  ];
  for (const [schema, reason, path] of cases) {
    assert.throws(() => jsonSchemaToGrammar(schema), (err: unknown) => {
      assert.ok(err instanceof SchemaGrammarError, String(err));
      assert.match(err.message, reason);
      assert.equal(err.path, path, JSON.stringify(schema));
      return true;
    });
  }
});

test("whitespace stays bounded (issue 9) and the root ends with the value: no rule allows a run of blank lines", () => {
  const g = jsonSchemaToGrammar({ type: "object", properties: { a: { type: "array", items: { type: "integer" } } }, additionalProperties: { type: "string" } });
  // llama.cpp's SPACE_RULE: nothing, a space, or one or two newlines and at most 20 spaces or tabs.
  assert.match(g, /^space ::= \| " " \| "\\n"\{1,2\} \[ \\t\]\{0,20\}$/m);
  assert.doesNotMatch(g, /space\*|space\+|\[ \\t\\n\]\*|\(\[ \\t\\n\] ws\)/);
  assert.match(g, /^root ::= "\{" space .* space "\}"$/m);
});
