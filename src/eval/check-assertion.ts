import { error, warning, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { YamlPath, YamlSource } from "../project/yaml-source.js";
import { ALL_ASSERTION_NAMES, ASSERTION_TYPES, FINISH_REASONS, parseAssertionName, type AssertionType } from "./assertion-types.js";
import { schemaProblem } from "./json-schema.js";
import { javascriptCompileProblem } from "./javascript.js";
import { parseCommaSeparatedValues, parseJsonSchemaString, THRESHOLD_TYPES } from "./value-forms.js";
import { NOT_IGNORED_TYPES, promptfooOnlyType } from "./promptfoo-types.js";
import { MODEL_TYPES, normalizeExtraValue } from "./assertions/extra.js";
import type { Assertion, AssertionValue } from "./test-file.js";

type Raw = Record<string, unknown>;
/** The types of ours whose `threshold` means something, for the message (THRESHOLD_TYPES also names promptfoo types modelsmith lacks, and starts-with, which takes one from CSV shorthand and ignores it). */
const THRESHOLD_NAMES = ASSERTION_TYPES.filter((t) => THRESHOLD_TYPES.has(t) && t !== "starts-with");
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
export function checkAssertion(source: Pick<YamlSource, "file" | "rangeAt">, at: YamlPath, raw: unknown): { assertion?: Assertion; diagnostics: Diagnostic[] } {
  if (!isRecord(raw) || typeof raw.type !== "string") return { diagnostics: [] };
  const where = (p: YamlPath, key = false) => ({ file: source.file, range: source.rangeAt([...at, ...p], { key }) });
  const parsed = parseAssertionName(raw.type);
  if (!parsed) {
    const only = promptfooOnlyType(raw.type);
    if (only) return { diagnostics: [error("MS6320", `\`${raw.type}\` is a promptfoo assertion type that modelsmith does not run: ${only.why}`, { ...where(["type"]), hint: only.hint })] };
    const hint = didYouMean(raw.type, ALL_ASSERTION_NAMES) ?? `assertion types: ${ASSERTION_TYPES.join(", ")} (each may be negated with not-)`;
    return { diagnostics: [error("MS6005", `unknown assertion type \`${raw.type}\``, { ...where(["type"]), hint })] };
  }
  const { type, negate } = parsed;
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string, p: YamlPath, hint?: string) => diagnostics.push(error("MS6006", message, { ...where(p), hint }));

  if (raw.threshold !== undefined && !THRESHOLD_TYPES.has(type)) bad(`\`threshold\` applies to ${THRESHOLD_NAMES.join(", ")} assertions, not ${raw.type}`, ["threshold"], "a case's `threshold` (next to `assert:`) sets the score a run needs");
  if (raw.flags !== undefined && type !== "regex") bad(`\`flags\` applies to regex assertions, not ${raw.type}`, ["flags"]);
  if (raw.provider !== undefined && !MODEL_TYPES.has(type)) diagnostics.push(error("MS6203", `\`provider\` applies to assertions graded by a model (${[...MODEL_TYPES].join(", ")}), not ${raw.type}`, where(["provider"], true)));
  // promptfoo's handleLatency: without a threshold it records the milliseconds as the score, which needs `metric`; not-latency needs a threshold.
  if (type === "latency" && typeof raw.threshold !== "number" && (negate || typeof raw.metric !== "string" || raw.metric === "")) {
    bad(negate ? "not-latency needs `threshold`: the fewest milliseconds a generation must take" : "a latency assertion needs `threshold` (the most milliseconds a generation may take), or `metric` to record the milliseconds under", [], "e.g. {type: latency, threshold: 2000}, or {type: latency, metric: latency_ms}");
  }
  // A type whose promptfoo handler never reads `inverse` (handleLevenshtein): not-<type> grades as <type>. So does modelsmith, with a warning.
  if (negate && NOT_IGNORED_TYPES.has(type)) diagnostics.push(warning("MS6321", `not-${type} grades exactly as ${type}: promptfoo's handler ignores \`not-\`, and modelsmith does the same`, { ...where(["type"]), hint: type === "levenshtein" ? "for a distance above a limit, write javascript" : "write javascript for the opposite check" }));

  const value = normalizeValue(type, raw, source.rangeAt([...at, "value"]), (message, hint, p = ["value"], code = "MS6006") => diagnostics.push(error(code, message, { ...where(p), hint })));
  if (diagnostics.some((d) => d.severity === "error") || !value) return { diagnostics };
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
      // promptfoo's isContainsValue (src/assertions/contains.ts): a non-empty string or a number.
      if (v === undefined) return missing("the text to look for"), undefined;
      if (v === "") return report(`${raw.type} takes a non-empty text: every output contains ""`, "promptfoo refuses it too; to check for an empty output use equals: \"\""), undefined;
      if (typeof v !== "string" && typeof v !== "number") return report(`${raw.type} takes one text (or a number)`, `for several, use ${raw.type}-any or ${raw.type}-all`), undefined;
      return { kind: "text", text: String(v) };
    case "starts-with":
      // promptfoo's handleStartsWith (src/assertions/startsWith.ts): a non-empty string, nothing else.
      if (v === undefined) return missing("the text to look for"), undefined;
      if (typeof v !== "string") return report(`starts-with takes a text, not ${v === null ? "null" : Array.isArray(v) ? "a list" : `a ${typeof v}`}`, isScalar(v) ? `quote it: value: "${String(v)}"` : undefined), undefined;
      if (v === "") return report("starts-with takes a non-empty text: every output starts with \"\""), undefined;
      return { kind: "text", text: v };
    case "contains-any":
    case "icontains-any":
    case "contains-all":
    case "icontains-all":
      // promptfoo (src/assertions/contains.ts): a list, or a string split at commas (double quotes keep a comma inside an item).
      if (v === undefined || v === "" || v === null) return missing("a list of texts, or one text of comma-separated items"), undefined;
      if (typeof v === "string") {
        const items = parseCommaSeparatedValues(v);
        if (typeof items === "string") return report(`${raw.type}: ${items}`, 'e.g. value: "hello, hi" or value: [hello, hi]'), undefined;
        return { kind: "list", items };
      }
      if (!Array.isArray(v) || !v.every(isScalar)) return report(`${raw.type} takes a list of texts, or one text of comma-separated items`, "e.g. value: [hello, hi]"), undefined;
      return { kind: "list", items: v.map(String) };
    case "regex": {
      if (typeof v !== "string") return v === undefined ? missing("a regular expression") : report("regex takes a pattern (a string)"), undefined;
      // promptfoo: invariant(renderedValue): an empty pattern is an error, not a match of everything.
      if (v === "") return report("regex takes a non-empty pattern (promptfoo refuses an empty one)", "an empty pattern matches every output: drop the assertion, or write the pattern"), undefined;
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
    case "contains-json": {
      // promptfoo (src/assertions/json.ts): no value, null or "" is no schema; file:// names a schema file; another string is a schema written in YAML.
      if (v === undefined || v === null || v === "") return { kind: "none" };
      if (v === true) return { kind: "schema", schema: {} };
      if (v === false) return { kind: "schema", schema: { not: {} } };
      if (typeof v === "string" && v.startsWith("file://")) return { kind: "schema-file", path: v.slice("file://".length), range: valueRange };
      if (typeof v === "string") {
        const parsed = parseJsonSchemaString(v);
        if (parsed.kind === "schema") {
          const problem = schemaProblem(parsed.schema);
          if (problem) return report(`not a valid JSON Schema: ${problem}`, undefined, ["value"], "MS6008"), undefined;
          return { kind: "schema", schema: parsed.schema };
        }
        // A bare path (modelsmith's older form; promptfoo needs file://): a one-word string that names a file.
        if (parsed.kind === "path") return { kind: "schema-file", path: v.trim(), range: valueRange };
        return report(`${type} takes a JSON Schema (a map, or one written as YAML text) or file://path: ${parsed.message}`, "e.g. value: {type: object, required: [name]} or value: file://person.schema.json"), undefined;
      }
      if (!isRecord(v)) return report(`${type} takes a JSON Schema (a map) or the path of a schema file`, "e.g. value: {type: object, required: [name]} or value: file://person.schema.json"), undefined;
      {
        const problem = schemaProblem(v);
        if (problem) return report(`not a valid JSON Schema: ${problem}`, undefined, ["value"], "MS6008"), undefined;
      }
      return { kind: "schema", schema: v };
    }
    case "word-count":
      return wordCount(raw, report);
    case "finish-reason": {
      // promptfoo compares finish reasons in lower case (src/assertions/finishReason.ts).
      if (typeof v === "string" && (FINISH_REASONS as readonly string[]).includes(v.toLowerCase())) return { kind: "text", text: v.toLowerCase() };
      if (v === undefined) return missing("stop or length"), undefined;
      return report(`finish-reason takes stop or length, not \`${String(v)}\``, didYouMean(String(v), FINISH_REASONS)), undefined;
    }
    case "latency":
      if (v !== undefined) return report("latency takes `threshold` (milliseconds), not `value`", "e.g. {type: latency, threshold: 2000}"), undefined;
      return { kind: "none" };
    case "javascript": {
      if (typeof v !== "string" || v.trim() === "") return v === undefined ? missing("an expression over `output`") : report("javascript takes an expression (a string)"), undefined;
      if (v.startsWith("file://")) return { kind: "code", code: v };
      const problem = javascriptCompileProblem(v);
      if (problem) return report(`javascript does not compile: ${problem}`, v.trimEnd().includes("\n") ? "a value of several lines is a function body: it must `return` its result" : "write an expression over `output`, e.g. output.length < 200", ["value"], "MS6013"), undefined;
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
  // promptfoo (src/assertions/wordCount.ts): a string that Number() reads is the exact count.
  if (typeof v === "string" && !Number.isNaN(Number(v))) {
    if (count(Number(v))) return { kind: "range", min: Number(v), max: Number(v) };
    return report(`word-count takes a whole number >= 0, not ${JSON.stringify(v)}`), undefined;
  }
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
