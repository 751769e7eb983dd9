import { htmlEscape, jsEscape, urlQueryEscape } from "./escape.js";
import { formatValue, sprint, sprintln } from "./format.js";
import { sprintf } from "./printf.js";
import { isTrue, kindOf, mapGet, mapHas, numberOf, structType, typeName } from "./values.js";

/**
 * A template function: `fn` gets the evaluated arguments and returns the value
 * or throws an Error whose message Go would wrap as "error calling NAME: ...".
 * `min`/`max` are Go's arity checks; `stringArgs` the parameters typed string.
 */
export interface TemplateFunction {
  min: number;
  max?: number;
  /** Parameter positions (or "all") that must be strings, as in printf's format. */
  stringArgs?: readonly number[] | "all";
  fn: (args: unknown[]) => unknown;
}

/** Go's builtins, from text/template/funcs.go. `and`/`or` short-circuit in exec. */
export const BUILTINS: Readonly<Record<string, TemplateFunction>> = {
  and: { min: 1, fn: (a) => a.find((v) => !isTrue(v)) ?? a[a.length - 1] },
  or: { min: 1, fn: (a) => a.find((v) => isTrue(v)) ?? a[a.length - 1] },
  not: { min: 1, max: 1, fn: ([v]) => !isTrue(v) },
  len: { min: 1, max: 1, fn: ([v]) => length(v) },
  index: { min: 1, fn: ([item, ...idx]) => index(item, idx) },
  slice: { min: 1, fn: ([item, ...idx]) => slice(item, idx) },
  call: { min: 1, fn: ([f, ...args]) => callFunction(f, args) },
  print: { min: 0, fn: (a) => sprint(a) },
  printf: { min: 1, stringArgs: [0], fn: ([f, ...a]) => sprintf(f as string, a) },
  println: { min: 0, fn: (a) => sprintln(a) },
  html: { min: 0, fn: (a) => htmlEscape(evalArgs(a)) },
  js: { min: 0, fn: (a) => jsEscape(evalArgs(a)) },
  urlquery: { min: 0, fn: (a) => urlQueryEscape(evalArgs(a)) },
  eq: { min: 1, fn: ([a, ...rest]) => eq(a, rest) },
  ne: { min: 2, max: 2, fn: ([a, b]) => !eq(a, [b]) },
  lt: { min: 2, max: 2, fn: ([a, b]) => lt(a, b) },
  le: { min: 2, max: 2, fn: ([a, b]) => lt(a, b) || eq(a, [b]) },
  gt: { min: 2, max: 2, fn: ([a, b]) => !(lt(a, b) || eq(a, [b])) },
  ge: { min: 2, max: 2, fn: ([a, b]) => !lt(a, b) },
};

/** Go's evalArgs for html/js/urlquery: one string as is, else fmt.Sprint with nil as "<no value>". */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? "<no value>" : a)));
}

function length(v: unknown): number {
  switch (kindOf(v)) {
    case "string":
      return Buffer.byteLength(v as string, "utf8");
    case "slice":
      return (v as unknown[]).length;
    case "map":
      return v instanceof Map ? v.size : Object.keys(v as object).length;
    case "nil":
      throw new Error("reflect: call of reflect.Value.Type on zero Value");
    default:
      throw new Error(`len of type ${typeName(v)}`);
  }
}

function indexArg(i: unknown, cap: number): number {
  if (kindOf(i) === "nil") throw new Error("cannot index slice/array with nil");
  if (kindOf(i) !== "int") throw new Error(`cannot index slice/array with type ${typeName(i)}`);
  const x = numberOf(i);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, indexes: unknown[]): unknown {
  if (kindOf(item) === "nil") throw new Error("index of untyped nil");
  let cur = item;
  for (const i of indexes) {
    switch (kindOf(cur)) {
      case "slice": {
        const arr = cur as unknown[];
        const x = indexArg(i, arr.length);
        if (x === arr.length) throw new Error("reflect: slice index out of range");
        cur = arr[x];
        break;
      }
      case "string": {
        const bytes = Buffer.from(cur as string, "utf8");
        const x = indexArg(i, bytes.length);
        if (x === bytes.length) throw new Error("reflect: string index out of range");
        cur = bytes[x]!;
        break;
      }
      case "map": {
        const m = cur as object;
        if (!(m instanceof Map) && typeof i !== "string") throw new Error(`value has type ${typeName(i)}; should be string`);
        cur = mapHas(m, i) ? mapGet(m, i) : undefined;
        break;
      }
      case "nil":
        throw new Error("index of nil pointer");
      default:
        throw new Error(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, indexes: unknown[]): unknown {
  const kind = kindOf(item);
  if (kind === "nil") throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (kind === "string" && indexes.length === 3) throw new Error("cannot 3-index slice a string");
  if (kind !== "string" && kind !== "slice") throw new Error(`can't slice item of type ${typeName(item)}`);
  const bytes = kind === "string" ? Buffer.from(item as string, "utf8") : undefined;
  const len = bytes ? bytes.length : (item as unknown[]).length;
  const idx = [0, len, len];
  indexes.forEach((i, n) => (idx[n] = indexArg(i, len)));
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return bytes ? bytes.subarray(idx[0], idx[1]).toString("utf8") : (item as unknown[]).slice(idx[0], idx[1]);
}

function callFunction(f: unknown, args: unknown[]): unknown {
  if (kindOf(f) === "nil") throw new Error("call of nil");
  if (typeof f !== "function") throw new Error(`non-function of type ${typeName(f)}`);
  return (f as (...a: unknown[]) => unknown)(...args);
}

type Basic = "bool" | "int" | "float" | "string";

function basicKind(v: unknown): Basic | undefined {
  const k = kindOf(v);
  return k === "bool" || k === "int" || k === "float" || k === "string" ? k : undefined;
}

/** Go's eq: arg1 == arg2 || arg1 == arg3 ...; basic kinds must match, nil compares with anything. */
export function eq(a: unknown, rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error("missing argument for comparison");
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (kindOf(a) !== "nil" && kindOf(b) !== "nil") throw new Error("incompatible types for comparison");
      truth = false;
    } else if (ka !== undefined) {
      truth = ka === "int" || ka === "float" ? numberOf(a) === numberOf(b) : a === b;
    } else {
      const [na, nb] = [kindOf(a) === "nil", kindOf(b) === "nil"];
      if (na || nb) truth = na === nb;
      else if (kindOf(a) !== kindOf(b) || ["slice", "map", "func"].includes(kindOf(b))) {
        throw new Error(`non-comparable type ${formatValue(b)}: ${typeName(b)}`);
      } else truth = a === b || (structType(a) === structType(b) && !structType(a)!.startsWith("*") && sameFields(a, b));
    }
    if (truth) return true;
  }
  return false;
}

function sameFields(a: unknown, b: unknown): boolean {
  const [x, y] = [Object.values(a as object), Object.values(b as object)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Go's lt: both basic, same kind, and not bool. */
export function lt(a: unknown, b: unknown): boolean {
  const [ka, kb] = [basicKind(a), basicKind(b)];
  if (ka === undefined || kb === undefined) throw new Error("invalid type for comparison");
  if (ka !== kb) throw new Error("incompatible types for comparison");
  if (ka === "bool") throw new Error("invalid type for comparison");
  if (ka === "string") return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return numberOf(a) < numberOf(b);
}
