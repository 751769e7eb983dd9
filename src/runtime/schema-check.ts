import { error, InputError } from "../diagnostics/index.js";

/**
 * The JSON Schema keywords our port of llama.cpp's json_schema_to_grammar.py
 * (./json-schema-grammar/) turns into grammar, plus annotations that constrain
 * nothing. Keywords the reference reads but drops (minProperties,
 * maxProperties, multipleOf, uniqueItems, number ranges on `number`) are
 * refused here instead. `anyOf` and `oneOf` both become alternatives, as in
 * llama.cpp (a grammar cannot say "exactly one").
 */
const HONOURED = new Set([
  "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
  "minLength", "maxLength", "format", "enum", "const", "oneOf", "anyOf", "allOf", "$ref", "$defs", "definitions",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
  // annotations
  "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
]);

/** String formats llama.cpp's converter knows (STRING_FORMAT_RULES and the uuid rule). */
const FORMATS = new Set(["date-time", "time", "date", "uuid", "uuid1", "uuid2", "uuid3", "uuid4", "uuid5"]);
const RANGES = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

/** Keywords under which subschemas sit, as maps or lists. */
const MAP_OF_SCHEMAS = ["properties", "$defs", "definitions"];
const LIST_OF_SCHEMAS = ["oneOf", "anyOf", "allOf", "prefixItems"];

/**
 * Refuses a FORMAT schema whose constraints the grammar would silently drop
 * (InputError MS8020 naming each keyword and where it is), instead of letting
 * the model produce JSON that the schema rejects: `minimum: 5, maximum: 7`
 * gave `{"n": -0}` under node-llama-cpp's converter. Also refused: keywords
 * the converter honours alone but drops in company (its visit() takes the
 * first matching branch: `pattern` or `format` wins over `minLength`, `items`
 * over `prefixItems`). Returns a copy of the schema.
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
        out[k] = v.map((sub, i) => walk(sub, `${at}/${k}/${i}`));
      } else if ((k === "items" || k === "additionalProperties") && typeof v === "object" && v !== null) {
        out[k] = walk(v, `${at}/${k}`);
      } else out[k] = v;
    }
    const here = at || "/";
    if ("anyOf" in s && "oneOf" in s) problems.push(`both \`anyOf\` and \`oneOf\` at ${here}`);
    const type = (s as Record<string, unknown>).type;
    const types = Array.isArray(type) ? type : [type];
    for (const k of RANGES) {
      if (k in s && (types.includes("number") || !types.every((t) => t === undefined || t === "integer"))) {
        problems.push(`\`${k}\` at ${here} (ranges are honoured on integers only, as llama.cpp)`);
      }
    }
    for (const k of ["minLength", "maxLength"]) {
      if (k in s && ("pattern" in s || "format" in s)) problems.push(`\`${k}\` with \`${"pattern" in s ? "pattern" : "format"}\` at ${here} (the grammar would keep only the latter)`);
    }
    if ("items" in s && "prefixItems" in s) problems.push(`\`prefixItems\` with \`items\` at ${here} (the grammar would keep only \`items\`)`);
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
