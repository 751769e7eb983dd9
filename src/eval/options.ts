import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { DEPRECATED_PARAMETERS, PARAMETERS, REMOVED_PARAMETERS } from "../modelfile/parameters.js";
import type { YamlSource, YamlPath } from "../project/yaml-source.js";

/**
 * Checks a test's `options:` map: Ollama's option names (the Modelfile
 * PARAMETER names, case-sensitive) with values of their type and range.
 * `stop` takes a string or a list of strings. Deprecated and removed names are
 * refused here: a test should say what it means.
 */
export function checkOptions(source: YamlSource, at: YamlPath, options: Record<string, unknown>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, value] of Object.entries(options)) {
    const spec = PARAMETERS[name];
    const where = { file: source.file, range: source.rangeAt([...at, name], { key: true }) };
    if (!spec) {
      const old = DEPRECATED_PARAMETERS.includes(name) || REMOVED_PARAMETERS.includes(name);
      out.push(error("MS6012", `unknown option \`${name}\``, { ...where, hint: old ? "Ollama no longer supports this option" : (didYouMean(name, Object.keys(PARAMETERS)) ?? "options take Ollama's parameter names, e.g. temperature, num_predict, seed, stop") }));
      continue;
    }
    const problem = valueProblem(spec.type, value, spec);
    if (problem) out.push(error("MS6012", `option \`${name}\` must be ${problem}`, { file: source.file, range: source.rangeAt([...at, name]), hint: spec.description }));
  }
  return out;
}

function valueProblem(type: string, v: unknown, spec: { min?: number; max?: number; minExclusive?: boolean }): string | undefined {
  switch (type) {
    case "stringList":
      return typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string")) ? undefined : "a string or a list of strings";
    case "bool":
      return typeof v === "boolean" ? undefined : "true or false";
    default: {
      const int = type === "int";
      if (typeof v !== "number" || !Number.isFinite(v) || (int && !Number.isInteger(v))) return int ? "an integer" : "a number";
      const low = spec.min === undefined ? undefined : spec.minExclusive ? v <= spec.min : v < spec.min;
      if (low || (spec.max !== undefined && v > spec.max)) return `${int ? "an integer" : "a number"} ${rangeText(spec)}`;
      return undefined;
    }
  }
}

function rangeText(spec: { min?: number; max?: number; minExclusive?: boolean }): string {
  const low = spec.min === undefined ? "" : `${spec.minExclusive ? ">" : ">="} ${spec.min}`;
  const high = spec.max === undefined ? "" : `<= ${spec.max}`;
  return [low, high].filter(Boolean).join(" and ");
}
