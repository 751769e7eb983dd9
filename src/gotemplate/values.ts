/**
 * How JS data maps onto Go's value kinds, which decide truth, printing,
 * comparison and field access:
 *
 * | JS value                         | Go kind   | Go type name shown in errors |
 * |----------------------------------|-----------|------------------------------|
 * | `undefined`, `null`              | nil       | (invalid)                    |
 * | boolean                          | bool      | bool                         |
 * | integral number, bigint          | int       | int                          |
 * | non-integral number, `GoFloat`   | float     | float64                      |
 * | string                           | string    | string                       |
 * | array                            | slice     | []interface {}               |
 * | `Map`, plain object              | map       | map[string]interface {}      |
 * | object made by `goStruct()`      | struct    | the name given               |
 * | function                         | func      | func                         |
 *
 * Plain objects behave like Go maps (Ollama executes templates on a
 * `map[string]any` with `missingkey=zero`): a missing key is nil and prints
 * `<no value>`. `goStruct()` marks an object as a Go struct: a missing field
 * is an execution error, as it is for Ollama's message structs. An object with
 * a `String()` method prints through it (Go's fmt.Stringer).
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

export type Kind = "nil" | "bool" | "int" | "float" | "string" | "slice" | "map" | "struct" | "func";

const STRUCT_TYPE = Symbol.for("modelsmith.gotemplate.struct");

/** Marks `fields` as a Go struct of the given type (e.g. "*template.templateMessage"). */
export function goStruct<T extends object>(typeName: string, fields: T): T {
  Object.defineProperty(fields, STRUCT_TYPE, { value: typeName, enumerable: false });
  return fields;
}

export function structType(v: unknown): string | undefined {
  return typeof v === "object" && v !== null ? ((v as Record<symbol, string | undefined>)[STRUCT_TYPE]) : undefined;
}

export function kindOf(v: unknown): Kind {
  if (v === undefined || v === null) return "nil";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return "string";
    case "function":
      return "func";
  }
  if (v instanceof GoFloat) return "float";
  if (Array.isArray(v)) return "slice";
  if (structType(v) !== undefined) return "struct";
  return "map";
}

export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case "nil":
      return "<nil>";
    case "float":
      return "float64";
    case "slice":
      return "[]interface {}";
    case "map":
      return "map[string]interface {}";
    case "struct":
      return structType(v)!;
    case "func":
      return "func";
    default:
      return kindOf(v);
  }
}

/** The JS number of an int or float value. */
export function numberOf(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === "bigint") return Number(v);
  return v as number;
}

/** Go's isTrue: the zero value of every type is false; structs are always true. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case "nil":
      return false;
    case "bool":
      return v as boolean;
    case "int":
    case "float":
      return numberOf(v) !== 0;
    case "string":
      return (v as string).length > 0;
    case "slice":
      return (v as unknown[]).length > 0;
    case "map":
      return mapKeys(v as object).length > 0;
    default:
      return true;
  }
}

/** The keys of a map value, sorted as Go's fmtsort does (numbers numerically, strings bytewise). */
export function mapKeys(m: object): unknown[] {
  const keys: unknown[] = m instanceof Map ? [...m.keys()] : Object.keys(m);
  return keys.sort(compareKeys);
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export function mapGet(m: object, key: unknown): unknown {
  if (m instanceof Map) return m.get(key);
  return typeof key === "string" && Object.hasOwn(m, key) ? (m as Record<string, unknown>)[key] : undefined;
}

export function mapHas(m: object, key: unknown): boolean {
  if (m instanceof Map) return m.has(key);
  return typeof key === "string" && Object.hasOwn(m, key);
}

/**
 * A Go method on a value: a function found on the object's class (prototype
 * chain, short of Object.prototype) or a non-enumerable own function property
 * (how modelsmith attaches String()/MarshalJSON to data), named with an
 * upper-case letter as Go exports only those. Enumerable function-valued
 * properties are plain entries, as a func stored in a Go map or struct field is.
 */
export function methodOf(v: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (typeof v !== "object" || v === null || !/^\p{Lu}/u.test(name)) return undefined;
  for (let o: object | null = v; o !== null && o !== Object.prototype && o !== Array.prototype; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (!d) continue;
    const isMethod = typeof d.value === "function" && (o !== v || !d.enumerable);
    return isMethod ? (d.value as (...args: unknown[]) => unknown).bind(v) : undefined;
  }
  return undefined;
}

/** The `String()` method of a Go fmt.Stringer, if `v` has one. */
export function stringerOf(v: unknown): (() => string) | undefined {
  const m = methodOf(v, "String");
  return m ? () => String(m()) : undefined;
}
