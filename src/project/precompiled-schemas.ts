/**
 * Validators for modelsmith's own schemas (the project file, test files, the
 * lock), compiled ahead of time by tools/compile-schemas.ts with ajv's
 * standalone code generation into dist/src/schemas-compiled/, one CommonJS
 * file per schema named by a digest of the schema itself. Every CLI command
 * validates at least one file, and compiling the schemas with ajv at start-up
 * cost each command more than the rest of its start-up. A schema with no
 * compiled file (changed since the build, or never built) is compiled with ajv
 * at run time, so the result never depends on the build step.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Ajv, ValidateFunction } from "ajv";

const require = createRequire(import.meta.url);

/** The ajv options both paths compile with: the same validator either way. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

/** The file name of `schema`'s compiled validator: a digest of the schema and the options. */
export function compiledSchemaFile(schema: object): string {
  const digest = createHash("sha256").update(JSON.stringify({ schema, AJV_OPTIONS })).digest("hex");
  return `${digest.slice(0, 24)}.cjs`;
}

/** The folder tools/compile-schemas.ts writes to, relative to this module's folder (dist/src/project). */
export const COMPILED_SCHEMAS_DIR = "../schemas-compiled";

/** `schema`'s validator: the compiled one when the build made it, else compiled now with ajv. */
export function schemaValidator(schema: object): ValidateFunction {
  try {
    const mod = require(`${COMPILED_SCHEMAS_DIR}/${compiledSchemaFile(schema)}`) as { default?: ValidateFunction } | ValidateFunction;
    return (typeof mod === "function" ? mod : mod.default) as ValidateFunction;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
  }
  return newAjv().compile(schema);
}

/**
 * An ajv instance with AJV_OPTIONS, for schemas users write (FORMAT, is-json):
 * ajv is loaded on first use only, so a command that compiles no user schema
 * never pays for loading it.
 */
export function newAjv(): Ajv {
  const { Ajv: AjvClass } = require("ajv") as typeof import("ajv");
  return new AjvClass(AJV_OPTIONS);
}
