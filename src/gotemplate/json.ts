import { kindOf, mapGet, mapKeys, methodOf, numberOf } from "./values.js";

/**
 * Go's encoding/json Marshal of template values, for Ollama's `json` function
 * and the String() methods of its template types. Differences from
 * JSON.stringify that matter for prompts: map keys are sorted, "<", ">", "&",
 * U+2028 and U+2029 are escaped as \u003c etc., and a value with a Go-style
 * `MarshalJSON()` method is encoded by it (struct field order and json tags live
 * there). Structs without one use their field names in order. Throws on values
 * JSON cannot hold (NaN, ±Inf, functions), as Go returns an error.
 */
export function marshalJSON(v: unknown): string {
  const custom = methodOf(v, "MarshalJSON");
  if (custom) return String(custom());
  switch (kindOf(v)) {
    case "nil":
      return "null";
    case "bool":
      return String(v);
    case "int":
      return typeof v === "bigint" ? v.toString() : numberOf(v).toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 0 });
    case "float": {
      const f = numberOf(v);
      if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${f}`);
      return String(f);
    }
    case "string":
      return quoteJSON(v as string);
    case "slice":
      return `[${(v as unknown[]).map(marshalJSON).join(",")}]`;
    case "map": {
      const m = v as object;
      return `{${mapKeys(m).map((k) => `${quoteJSON(String(k))}:${marshalJSON(mapGet(m, k))}`).join(",")}}`;
    }
    case "struct":
      return `{${Object.entries(v as object).map(([k, f]) => `${quoteJSON(k)}:${marshalJSON(f)}`).join(",")}}`;
    case "func":
      throw new Error("json: unsupported type: func");
  }
}

const HTML_UNSAFE: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };

/** A JSON string as Go writes it (HTML-safe escaping). */
export function quoteJSON(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_UNSAFE[c]!);
}
