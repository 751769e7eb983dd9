/**
 * Compiles modelsmith's own schemas (project file, test file, lock) to
 * standalone ajv validators in dist/src/schemas-compiled/, which
 * src/project/precompiled-schemas.ts loads instead of compiling them at every
 * start. Run by `npm run build` after tsc; idempotent; removes validators of
 * schemas that no longer exist.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { testFileSchema } from "../src/eval/schema.js";
import { lockSchema } from "../src/lock/schema.js";
import { AJV_OPTIONS, COMPILED_SCHEMAS_DIR, compiledSchemaFile } from "../src/project/precompiled-schemas.js";
import { projectSchema } from "../src/project/schema.js";

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/tools
const out = path.resolve(here, "../src/project", COMPILED_SCHEMAS_DIR);
mkdirSync(out, { recursive: true });
const wanted = new Set<string>();
for (const schema of [projectSchema, testFileSchema, lockSchema] as object[]) {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: false } });
  const code = standaloneCode.default(ajv, ajv.compile(schema));
  const file = compiledSchemaFile(schema);
  wanted.add(file);
  writeFileSync(path.join(out, file), code);
}
for (const f of readdirSync(out)) if (!wanted.has(f)) rmSync(path.join(out, f));
