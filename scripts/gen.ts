/**
 * Writes the files generated from code: docs/errors.md (from the diagnostic code
 * tables), schemas/modelsmith.schema.json (from the project schema) and
 * schemas/testfile.schema.json (from the test-file schema).
 * Run with `npm run gen`; test/generated.test.ts fails when they are stale.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderErrorsDoc, renderProjectSchema, renderTestFileSchema } from "./generated.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
writeFileSync(`${root}docs/errors.md`, renderErrorsDoc());
writeFileSync(`${root}schemas/modelsmith.schema.json`, renderProjectSchema());
writeFileSync(`${root}schemas/testfile.schema.json`, renderTestFileSchema());
console.log("wrote docs/errors.md, schemas/modelsmith.schema.json and schemas/testfile.schema.json");
