/**
 * The project, test-file and lock schemas are compiled ahead of time by
 * `npm run build` (tools/compile-schemas.ts), and the precompiled validators
 * give exactly the errors ajv gives compiling the schema at run time; a
 * schema with no precompiled file (changed since the build) is compiled then.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { Ajv } from "ajv";
import { testFileSchema } from "../../src/eval/schema.js";
import { lockSchema } from "../../src/lock/schema.js";
import { AJV_OPTIONS, COMPILED_SCHEMAS_DIR, compiledSchemaFile, schemaValidator } from "../../src/project/precompiled-schemas.js";
import { projectSchema } from "../../src/project/schema.js";

const compiledDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/project", COMPILED_SCHEMAS_DIR);

const DOCS: Record<string, unknown[]> = {
  project: [{ models: { a: { modelfile: "Modelfile" } } }, { models: { A: {} }, extra: 1 }, { modelz: {} }, [], { models: { a: { modelfile: 3, quantize: ["Q4_K_M", "Q4_K_M"] } } }],
  testfile: [{ tests: [{ prompt: "hi", assert: [{ type: "contains", value: "x" }] }] }, { tests: [{ promt: "hi" }] }, { tests: "no" }, {}],
  lock: [{ version: 1, references: {}, models: {} }, { version: 2 }, { version: 1, references: { x: 3 }, models: [] }],
};

for (const [name, schema] of [["project", projectSchema], ["testfile", testFileSchema], ["lock", lockSchema]] as const) {
  test(`the ${name} schema's validator is precompiled and gives ajv's own errors`, () => {
    assert.ok(existsSync(path.join(compiledDir, compiledSchemaFile(schema))), `npm run build writes ${compiledSchemaFile(schema)}`);
    const pre = schemaValidator(schema);
    assert.ok(createRequire(import.meta.url).cache[path.join(compiledDir, compiledSchemaFile(schema))], "loaded from the precompiled file");
    const fresh = new Ajv(AJV_OPTIONS).compile(schema);
    for (const doc of DOCS[name]!) {
      assert.equal(pre(doc), fresh(doc), JSON.stringify(doc));
      assert.deepEqual(pre.errors ?? null, fresh.errors ?? null, JSON.stringify(doc));
    }
    assert.ok(DOCS[name]!.some((d) => !fresh(d)) && DOCS[name]!.some((d) => fresh(d)), "both valid and invalid documents");
  });
}

test("a schema with no precompiled validator is compiled at run time", () => {
  const changed = { ...lockSchema, title: "changed since the build" };
  assert.ok(!existsSync(path.join(compiledDir, compiledSchemaFile(changed))));
  const v = schemaValidator(changed);
  assert.equal(v({ version: 1, references: {}, models: {} }), true);
  assert.equal(v({ version: 2 }), false);
});
