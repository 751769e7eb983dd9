import { Ajv, type ValidateFunction } from "ajv";

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Compiles a JSON Schema (draft-07, ajv, all errors) once per schema object.
 * Throws ajv's error when the schema itself is invalid.
 */
export function compileSchema(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = new Ajv({ strict: false, allErrors: true }).compile(schema);
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
