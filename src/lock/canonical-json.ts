import { createHash } from "node:crypto";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

/**
 * Canonical JSON (the serialization of RFC 8785, JCS, for the values we use):
 * object keys sorted by UTF-16 code units, no whitespace, strings and numbers
 * written as JSON.stringify writes them (so `-0` is `0`, `1e21` is `1e+21`).
 * Properties whose value is `undefined` are left out, as JSON.stringify does.
 *
 * Throws TypeError on what JSON cannot hold faithfully: `undefined` outside an
 * object property, functions, symbols, bigints, NaN and infinities, cycles,
 * and objects that are not plain objects or arrays (Map, Date, class
 * instances), so that a cache key never silently drops an input.
 */
export function canonicalJSON(value: unknown): string {
  return write(value, new Set(), "$");
}

/** `sha256:<hex>` of the UTF-8 bytes of canonicalJSON(value): a cache key that depends on the value alone. */
export function digestOf(value: unknown): `sha256:${string}` {
  return `sha256:${createHash("sha256").update(canonicalJSON(value), "utf8").digest("hex")}`;
}

function write(v: unknown, open: Set<object>, at: string): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isFinite(v)) throw new TypeError(`canonicalJSON: ${String(v)} at ${at} is not a JSON number`);
      return JSON.stringify(v);
    case "object": {
      if (v === null) return "null";
      if (open.has(v)) throw new TypeError(`canonicalJSON: cycle at ${at}`);
      open.add(v);
      try {
        if (Array.isArray(v)) return `[${Array.from(v, (x, i) => write(x, open, `${at}[${i}]`)).join(",")}]`;
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonicalJSON: ${at} is not a plain object`);
        const obj = v as Record<string, unknown>;
        const keys = Object.keys(obj)
          .filter((k) => obj[k] !== undefined)
          .sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], open, `${at}.${k}`)}`).join(",")}}`;
      } finally {
        open.delete(v);
      }
    }
    default:
      throw new TypeError(`canonicalJSON: ${typeof v} at ${at} is not a JSON value`);
  }
}
