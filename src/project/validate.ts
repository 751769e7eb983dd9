import type { ErrorObject, ValidateFunction } from "ajv";
import { schemaValidator } from "./precompiled-schemas.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { YamlSource } from "./yaml-source.js";

// One validator per schema object (compiled ahead of time where the build did, see precompiled-schemas.ts).
const validators = new WeakMap<object, ValidateFunction>();

function compiled(schema: object): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    v = schemaValidator(schema);
    validators.set(schema, v);
  }
  return v;
}

/**
 * Validates a YAML document against a JSON Schema and turns every violation
 * into a diagnostic at the offending key or value. ajv runs with `allErrors`,
 * so one pass reports every problem.
 */
export function validateWithSchema(source: YamlSource, schema: object, value: unknown): Diagnostic[] {
  const validate = compiled(schema);
  if (validate(value)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of prune(validate.errors ?? [])) {
    const d = toDiagnostic(source, e, schema);
    const key = `${d.code}:${d.range?.start.offset}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out.sort((a, b) => (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0));
}

/** `oneOf` reports each failed branch; its own message ("must match exactly one schema") says it all. */
function prune(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  return errors.filter(
    // A failed propertyNames rule is reported twice: by the inner keyword and by propertyNames itself, which names the key.
    (e) => !e.schemaPath.includes("/propertyNames/") && (e.keyword === "oneOf" || e.keyword === "propertyNames" || !oneOfPaths.has(e.instancePath)),
  );
}

function pathOf(instancePath: string): string[] {
  return instancePath === "" ? [] : instancePath.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function toDiagnostic(source: YamlSource, e: ErrorObject, schema: object): Diagnostic {
  const path = pathOf(e.instancePath);
  const at = (p: (string | number)[], key = false) => ({ file: source.file, range: source.rangeAt(p, { key }) });
  const where = path.length ? `\`${path.join(".")}\`` : "the file";
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String(e.params.additionalProperty);
      const known = Object.keys(propertiesAt(schema, e.schemaPath));
      return error("MS4002", `unknown key \`${extra}\` in ${where}`, {
        ...at([...path, extra], true),
        hint: didYouMean(extra, known) ?? (known.length ? `known keys: ${known.join(", ")}` : undefined),
      });
    }
    case "required":
      return error("MS4003", `${where} is missing the required key \`${String(e.params.missingProperty)}\``, at(path));
    case "propertyNames": {
      const name = String(e.params.propertyName);
      return error("MS4005", `invalid model name \`${name}\``, {
        ...at([...path, name], true),
        hint: "use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit",
      });
    }
    case "oneOf":
      return error("MS4004", `${where} must be a string or a non-empty list of distinct strings`, at(path));
    default:
      return error("MS4004", `${where} ${e.message ?? "is invalid"}`, at(path));
  }
}

/** The `properties` of the schema object that an `additionalProperties` error came from. */
function propertiesAt(schema: object, schemaPath: string): Record<string, unknown> {
  const segs = schemaPath.replace(/^#\//, "").split("/").slice(0, -1);
  let node: unknown = schema;
  for (const s of segs) node = (node as Record<string, unknown> | undefined)?.[s];
  return ((node as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}) as Record<string, unknown>;
}
