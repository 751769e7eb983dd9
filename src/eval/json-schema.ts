import type { ValidateFunction } from "ajv";
import { newAjv } from "../project/precompiled-schemas.js";

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Compiles a JSON Schema (draft-07, ajv, all errors) once per schema object.
 * Throws ajv's error when the schema itself is invalid.
 */
export function compileSchema(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = newAjv().compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** undefined when `schema` compiles, else the reason it does not. */
export function schemaProblem(schema: object): string | undefined {
  try {
    compileSchema(schema);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
