import { BUILTINS, type TemplateFunction } from "./builtins.js";
import { marshalJSON } from "./json.js";
import { structType } from "./values.js";

/**
 * Ollama's additions to Go's builtins (ollama/template/template.go):
 *
 * - `json v`: encoding/json of v; "" when it cannot be encoded.
 * - `currentDate [format]`, `yesterdayDate [format]`: local date as YYYY-MM-DD
 *   (the format argument is accepted and ignored, as in Ollama).
 * - `toTypeScriptType v`: the TypeScript type of a tool parameter
 *   (an object made by `goStruct("api.ToolProperty", ...)`), else "any".
 */
export function ollamaFunctions(now: () => Date = () => new Date()): Record<string, TemplateFunction> {
  return {
    json: {
      min: 1,
      max: 1,
      fn: ([v]) => {
        try {
          return marshalJSON(v);
        } catch {
          return "";
        }
      },
    },
    currentDate: { min: 0, stringArgs: "all", fn: () => isoDate(now()) },
    yesterdayDate: {
      min: 0,
      stringArgs: "all",
      fn: () => {
        const d = now();
        return isoDate(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1));
      },
    },
    toTypeScriptType: { min: 1, max: 1, fn: ([v]) => (isToolProperty(v) ? toTypeScriptType(v) : "any") },
  };
}

/** Every function name a template may call: Go's builtins and Ollama's. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTINS), ...Object.keys(ollamaFunctions())]);

function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

interface ToolPropertyLike {
  AnyOf?: unknown;
  Type?: unknown;
}

function isToolProperty(v: unknown): v is ToolPropertyLike {
  const t = structType(v);
  return t === "api.ToolProperty" || t === "*api.ToolProperty";
}

/** api.ToolProperty.ToTypeScriptType. */
export function toTypeScriptType(p: ToolPropertyLike): string {
  const anyOf = Array.isArray(p.AnyOf) ? (p.AnyOf as ToolPropertyLike[]) : [];
  if (anyOf.length > 0) return anyOf.map(toTypeScriptType).join(" | ");
  const types = Array.isArray(p.Type) ? (p.Type as string[]) : typeof p.Type === "string" ? [p.Type] : [];
  if (types.length === 0) return "any";
  return types.map(mapToTypeScriptType).join(" | ");
}

function mapToTypeScriptType(t: string): string {
  switch (t) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "any[]";
    case "object":
      return "Record<string, any>";
    case "null":
      return "null";
    default:
      return "any";
  }
}
