import { error, InputError } from "../diagnostics/index.js";

/**
 * The JSON Schema keywords node-llama-cpp's converter turns into grammar
 * (its GbnfJsonSchema types, node-llama-cpp 3.21.1 dist/utils/gbnfJson/types.d.ts),
 * plus annotations that constrain nothing. `anyOf` is rewritten to `oneOf`:
 * a grammar can only offer alternatives, which is what llama.cpp's
 * json-schema-to-grammar makes of both.
 */
const HONOURED = new Set([
  "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
  "minProperties", "maxProperties", "minLength", "maxLength", "format", "enum", "const", "oneOf", "anyOf", "$ref", "$defs",
  // annotations
  "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
]);

/** String formats node-llama-cpp's converter knows. */
const FORMATS = new Set(["date-time", "time", "date"]);

/** Keywords under which subschemas sit, as maps or lists. */
const MAP_OF_SCHEMAS = ["properties", "$defs", "definitions"];
const LIST_OF_SCHEMAS = ["oneOf", "anyOf", "allOf", "prefixItems"];

/**
 * Refuses a FORMAT schema whose constraints the grammar would silently drop
 * (InputError MS8020 naming each keyword and where it is), instead of letting
 * the model produce JSON that the schema rejects: `minimum: 5, maximum: 7`
 * gave `{"n": -0}`. Returns the schema with `anyOf` as `oneOf`.
 */
export function honouredSchema(schema: object): object {
  const problems: string[] = [];
  const walk = (s: unknown, at: string): unknown => {
    if (typeof s === "boolean") return s;
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
      problems.push(`${at || "/"}: a schema must be an object or a boolean`);
      return s;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (!HONOURED.has(k)) problems.push(`\`${k}\` at ${at || "/"}`);
      else if (k === "format" && !FORMATS.has(String(v))) problems.push(`\`format: ${JSON.stringify(v)}\` at ${at || "/"} (known: ${[...FORMATS].join(", ")})`);
      if (MAP_OF_SCHEMAS.includes(k) && typeof v === "object" && v !== null && !Array.isArray(v)) {
        out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, walk(sub, `${at}/${k}/${name}`)]));
      } else if (LIST_OF_SCHEMAS.includes(k) && Array.isArray(v)) {
        out[k === "anyOf" ? "oneOf" : k] = v.map((sub, i) => walk(sub, `${at}/${k}/${i}`));
      } else if ((k === "items" || k === "additionalProperties") && typeof v === "object" && v !== null) {
        out[k] = walk(v, `${at}/${k}`);
      } else out[k] = v;
    }
    if ("anyOf" in s && "oneOf" in s) problems.push(`both \`anyOf\` and \`oneOf\` at ${at || "/"}`);
    return out;
  };
  const result = walk(schema, "") as object;
  if (problems.length > 0) {
    throw new InputError(
      error("MS8020", `FORMAT schema has constraints the grammar cannot honour: ${problems.join("; ")}`, {
        hint: "remove them, or check the output yourself: a grammar without them would let the model write JSON this schema rejects",
      }),
    );
  }
  return result;
}
