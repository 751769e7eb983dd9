/**
 * Writes the files generated from code: docs/errors.md (from the diagnostic code
 * tables) and schemas/modelsmith.schema.json (from the project schema).
 * Run with `npm run gen`; test/generated.test.ts fails when they are stale.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderErrorsDoc, renderProjectSchema } from "./generated.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
writeFileSync(`${root}docs/errors.md`, renderErrorsDoc());
writeFileSync(`${root}schemas/modelsmith.schema.json`, renderProjectSchema());
console.log("wrote docs/errors.md and schemas/modelsmith.schema.json");
