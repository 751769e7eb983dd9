import vm from "node:vm";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { YamlPath, YamlSource } from "../project/yaml-source.js";
import { ALL_ASSERTION_NAMES, FINISH_REASONS, parseAssertionName, type AssertionType } from "./assertion-types.js";
import { schemaProblem } from "./json-schema.js";
import { MODEL_TYPES, THRESHOLD_TYPES, normalizeExtraValue } from "./assertions/extra.js";
import type { Assertion, AssertionValue } from "./test-file.js";

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is string | number | boolean => ["string", "number", "boolean"].includes(typeof v);

/**
 * Checks one entry of an `assert:` list at `at` and normalizes it. Reports what
 * the structural schema cannot: an unknown type (with did-you-mean), a value of
 * the wrong form for the type, a regex or javascript that does not compile, an
 * inline schema that is not a JSON Schema, `threshold` or `flags` where the type
 * takes none. Structural problems (not a map, `weight` not a number) are the
 * schema's to report; this returns no assertion for them and no diagnostic.
 */
export function checkAssertion(source: YamlSource, at: YamlPath, raw: unknown): { assertion?: Assertion; diagnostics: Diagnostic[] } {
  if (!isRecord(raw) || typeof raw.type !== "string") return { diagnostics: [] };
  const where = (p: YamlPath, key = false) => ({ file: source.file, range: source.rangeAt([...at, ...p], { key }) });
  const parsed = parseAssertionName(raw.type);
  if (!parsed) {
    const hint = didYouMean(raw.type, ALL_ASSERTION_NAMES) ?? `assertion types: ${ALL_ASSERTION_NAMES.filter((n) => !n.startsWith("not-")).join(", ")} (each may be negated with not-)`;
    return { diagnostics: [error("MS6005", `unknown assertion type \`${raw.type}\``, { ...where(["type"]), hint })] };
  }
  const { type, negate } = parsed;
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string, p: YamlPath, hint?: string) => diagnostics.push(error("MS6006", message, { ...where(p), hint }));

  if (raw.threshold !== undefined && type !== "latency" && type !== "javascript" && !THRESHOLD_TYPES.has(type)) bad(`\`threshold\` applies to latency, javascript, ${[...THRESHOLD_TYPES].join(", ")} assertions, not ${raw.type}`, ["threshold"], "a case's `threshold` (next to `assert:`) sets the score a run needs");
  if (raw.flags !== undefined && type !== "regex") bad(`\`flags\` applies to regex assertions, not ${raw.type}`, ["flags"]);
  if (raw.provider !== undefined && !MODEL_TYPES.has(type)) diagnostics.push(error("MS6203", `\`provider\` applies to assertions graded by a model (${[...MODEL_TYPES].join(", ")}), not ${raw.type}`, where(["provider"], true)));
  if (type === "latency" && typeof raw.threshold !== "number") bad("a latency assertion needs `threshold`: the most milliseconds a generation may take", [], "e.g. {type: latency, threshold: 2000}");

  const value = normalizeValue(type, raw, source.rangeAt([...at, "value"]), (message, hint, p = ["value"], code = "MS6006") => diagnostics.push(error(code, message, { ...where(p), hint })));
  if (diagnostics.length || !value) return { diagnostics };
  const assertion: Assertion = {
    type,
    negate,
    name: raw.type,
    value,
    weight: typeof raw.weight === "number" ? raw.weight : 1,
    range: source.rangeAt(at),
    ...(typeof raw.threshold === "number" ? { threshold: raw.threshold } : {}),
    ...(typeof raw.flags === "string" ? { flags: raw.flags } : {}),
    ...(typeof raw.provider === "string" ? { provider: raw.provider } : {}),
  };
  return { assertion, diagnostics };
}

type Report = (message: string, hint?: string, at?: YamlPath, code?: string) => void;

function normalizeValue(type: AssertionType, raw: Raw, valueRange: SourceRange, report: Report): AssertionValue | undefined {
  const v = raw.value;
  const missing = (what: string) => report(`${raw.type} needs a \`value\`: ${what}`, undefined, []);
  switch (type) {
    case "equals":
      if (v === undefined) return missing("the exact expected output"), undefined;
      if (isScalar(v)) return { kind: "text", text: String(v) };
      if (v === null) return report("equals takes a text or a JSON value, not null", "quote it (`\"null\"`) to compare with the text null"), undefined;
      return { kind: "json", json: v };
    case "contains":
    case "icontains":
    case "starts-with":
      if (v === undefined) return missing("the text to look for"), undefined;
      if (!isScalar(v)) return report(`${raw.type} takes one text`, type === "starts-with" ? undefined : `for several, use ${raw.type}-any or ${raw.type}-all`), undefined;
      return { kind: "text", text: String(v) };
    case "contains-any":
    case "icontains-any":
    case "contains-all":
    case "icontains-all":
      if (v === undefined) return missing("a list of texts"), undefined;
      if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) return report(`${raw.type} takes a non-empty list of texts`, "e.g. value: [hello, hi]"), undefined;
      return { kind: "list", items: v.map(String) };
    case "regex": {
      if (typeof v !== "string") return v === undefined ? missing("a regular expression") : report("regex takes a pattern (a string)"), undefined;
      const flags = typeof raw.flags === "string" ? raw.flags : "";
      try {
        new RegExp(v, flags);
      } catch (e) {
        const inFlags = flags !== "" && !isValidFlags(flags);
        return report(`invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}`, inFlags ? "flags are letters among d, g, i, m, s, u, v, y" : undefined, inFlags ? ["flags"] : ["value"], "MS6007"), undefined;
      }
      return { kind: "text", text: v };
    }
    case "is-json":
    case "contains-json":
      if (v === undefined) return { kind: "none" };
      if (typeof v === "string" && v.trim() !== "") return { kind: "schema-file", path: v.replace(/^file:\/\//, ""), range: valueRange };
      if (!isRecord(v)) return report("is-json takes a JSON Schema (a map) or the path of a schema file", "e.g. value: {type: object, required: [name]} or value: file://person.schema.json"), undefined;
      {
        const problem = schemaProblem(v);
        if (problem) return report(`not a valid JSON Schema: ${problem}`, undefined, ["value"], "MS6008"), undefined;
      }
      return { kind: "schema", schema: v };
    case "word-count":
      return wordCount(raw, report);
    case "finish-reason": {
      if (typeof v === "string" && (FINISH_REASONS as readonly string[]).includes(v)) return { kind: "text", text: v };
      if (v === undefined) return missing("stop or length"), undefined;
      return report(`finish-reason takes stop or length, not \`${String(v)}\``, didYouMean(String(v), FINISH_REASONS)), undefined;
    }
    case "latency":
      if (v !== undefined) return report("latency takes `threshold` (milliseconds), not `value`", "e.g. {type: latency, threshold: 2000}"), undefined;
      return { kind: "none" };
    case "javascript": {
      if (typeof v !== "string" || v.trim() === "") return v === undefined ? missing("an expression over `output`") : report("javascript takes an expression (a string)"), undefined;
      const problem = javascriptProblem(v);
      if (problem) return report(`javascript does not compile: ${problem}`, "write an expression over `output`, e.g. output.length < 200, or a body with `return`", ["value"], "MS6013"), undefined;
      return { kind: "code", code: v };
    }
    default:
      return normalizeExtraValue(type, v, (message, hint) => report(message, hint, v === undefined ? [] : ["value"]));
  }
}

function wordCount(raw: Raw, report: Report): AssertionValue | undefined {
  const v = raw.value;
  const count = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 0;
  if (count(v)) return { kind: "range", min: v as number, max: v as number };
  const hint = "e.g. value: 5 (exactly), or value: {min: 3, max: 10}";
  if (!isRecord(v)) return report("word-count takes a count, or {min, max}", hint, v === undefined ? [] : ["value"]), undefined;
  const extra = Object.keys(v).filter((k) => k !== "min" && k !== "max");
  if (extra.length) return report(`word-count takes min and max, not \`${extra[0]}\``, didYouMean(extra[0]!, ["min", "max"]), ["value", extra[0]!]), undefined;
  if (v.min === undefined && v.max === undefined) return report("word-count needs min, max or both", hint), undefined;
  for (const k of ["min", "max"] as const) if (v[k] !== undefined && !count(v[k])) return report(`word-count ${k} must be a whole number >= 0`, undefined, ["value", k]), undefined;
  if (typeof v.min === "number" && typeof v.max === "number" && v.min > v.max) return report(`word-count min (${v.min}) is more than max (${v.max})`), undefined;
  return { kind: "range", ...(v.min !== undefined ? { min: v.min as number } : {}), ...(v.max !== undefined ? { max: v.max as number } : {}) };
}

function isValidFlags(flags: string): boolean {
  try {
    new RegExp("", flags);
    return true;
  } catch {
    return false;
  }
}

/**
 * A javascript assertion is an expression, or else a function body (for code
 * with statements and `return`). undefined when one of the two compiles.
 */
export function javascriptProblem(code: string): string | undefined {
  try {
    new vm.Script(javascriptSource(code));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The script a javascript assertion runs: `(expr)`, or the code wrapped as a function body when it is not an expression. */
export function javascriptSource(code: string): string {
  const expression = `(${code}\n)`;
  try {
    new vm.Script(expression);
    return expression;
  } catch {
    return `(function () {\n${code}\n})()`;
  }
}
