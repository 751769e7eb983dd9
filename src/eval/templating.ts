import nunjucks from "nunjucks";

/**
 * Templating as promptfoo does it (src/util/templates.ts, src/evaluatorHelpers.ts
 * in promptfoo/promptfoo): prompts, messages and string assertion values are
 * nunjucks templates over the case's `vars`, rendered without autoescape, with
 * promptfoo's `env` global (the process environment) and its `dump` filter
 * beside nunjucks' own filters (lower, upper, join, default, ...).
 *
 * An undefined variable renders as the empty string in promptfoo; here it is
 * recorded, so that validation can report it (MS6011) instead of sending the
 * model a prompt with a hole in it (docs/testing.md lists the difference).
 */

export type VarValue = string | number | boolean | null | VarValue[] | { [k: string]: VarValue };
export type Vars = Record<string, VarValue>;

export interface Rendered {
  text: string;
  /** Top-level names the template read that neither vars nor the globals define, in first-read order. */
  undefinedNames: string[];
}

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line and column in the template, when nunjucks knows them. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

let current: { vars: Vars; missing: string[] } | undefined;
const realGlobals: Record<string, unknown> = {};

function makeEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
  env.addGlobal("env", process.env);
  env.addFilter("dump", promptfooDump);
  Object.assign(realGlobals, (env as unknown as { globals: Record<string, unknown> }).globals);
  // nunjucks' Context.lookup asks `name in env.globals` before it reads the
  // case's vars: a proxy there sees every top-level name a template reads, so
  // a name defined nowhere is known exactly (loop variables and `set` ones live
  // in frames, and never get here).
  (env as unknown as { globals: object }).globals = new Proxy(realGlobals, {
    has(target, name) {
      if (typeof name === "string" && current && !Object.hasOwn(current.vars, name) && !(name in target) && !current.missing.includes(name)) current.missing.push(name);
      return name in target;
    },
  });
  return env;
}

let environment: nunjucks.Environment | undefined;

/** Renders one template over `vars`; throws TemplateError when it does not parse or a filter throws. */
export function renderTemplate(template: string, vars: Vars): Rendered {
  if (!template.includes("{{") && !template.includes("{%") && !template.includes("{#")) return { text: template, undefinedNames: [] };
  environment ??= makeEnvironment();
  const missing: string[] = [];
  current = { vars, missing };
  try {
    return { text: environment.renderString(template, vars), undefinedNames: missing };
  } catch (e) {
    throw templateError(e as Error);
  } finally {
    current = undefined;
  }
}

/** nunjucks' errors read "(unknown path) [Line 1, Column 9]\n  expected variable end": split into message and position. */
function templateError(e: Error): TemplateError {
  const m = /\[Line (\d+), Column (\d+)\]\s*([\s\S]*)$/.exec(e.message);
  const message = (m ? m[3]! : e.message.replace(/^\(unknown path\)\s*/, "")).replace(/^Error:\s*/, "").split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return m ? new TemplateError(message, Number(m[1]), Number(m[2])) : new TemplateError(message);
}

/**
 * promptfoo's `dump` filter (src/util/templates.ts): JSON for objects and
 * arrays, strings with newlines, quotes or colons JSON-quoted, other scalars
 * as they are.
 */
function promptfooDump(value: unknown): string {
  const hasTemplateVars = (v: unknown) => typeof v === "string" && v.includes("{{") && v.includes("}}");
  const isSchemaVar = (v: unknown) => typeof v === "string" && v.includes("{{") && v.includes("schema") && v.includes("}}");
  const reparse = (f: unknown) => {
    if (typeof f === "string" && (f.startsWith("{") || f.startsWith("[") || f.startsWith('"{'))) {
      try {
        return JSON.parse(f.replace(/^'|'$/g, "")) as unknown;
      } catch {
        return f;
      }
    }
    return f;
  };
  const format = (v: unknown): string => {
    if (typeof v === "string") {
      if (isSchemaVar(v)) return v;
      if (hasTemplateVars(v)) return `'${v}'`;
      return v.includes("\n") || v.includes('"') || v.includes("'") || v.includes(":") ? JSON.stringify(v) : v;
    }
    if (v === null) return "null";
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return JSON.stringify(v.map((item) => (isSchemaVar(format(item)) ? format(item) : reparse(format(item)))));
    if (typeof v === "object") return JSON.stringify(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSchemaVar(format(x)) ? format(x) : reparse(format(x))])));
    return String(v);
  };
  return typeof value === "string" && isSchemaVar(value) ? value : format(value);
}

/**
 * promptfoo's renderPrompt steps on vars before rendering
 * (src/evaluatorHelpers.ts): one trailing newline is cut from each string var,
 * then `{{name}}` inside a var is replaced by that var, up to 5 rounds
 * (resolveVariables).
 */
export function prepareVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars)) out[k] = typeof v === "string" ? v.replace(/\n$/, "") : v;
  const ref = /\{\{\s*(\w+)\s*\}\}/;
  for (let round = 0; round < 5; round++) {
    let changed = false;
    for (const k of Object.keys(out)) {
      const v = out[k];
      if (typeof v !== "string") continue;
      const m = ref.exec(v);
      if (m && out[m[1]!] !== undefined) {
        out[k] = v.replace(m[0], String(out[m[1]!]));
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}

/**
 * A prompt as promptfoo renders it: when the prompt's raw text is JSON, each
 * string inside it is rendered and the result is the JSON re-serialized with
 * 2-space indent; otherwise the text is one template.
 */
export function renderPrompt(template: string, vars: Vars): Rendered {
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch {
    return renderTemplate(template, vars);
  }
  if (typeof parsed !== "object" || parsed === null) return renderTemplate(template, vars);
  const undefinedNames: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = renderTemplate(v, vars);
      for (const n of r.undefinedNames) if (!undefinedNames.includes(n)) undefinedNames.push(n);
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { text: JSON.stringify(walk(parsed), null, 2), undefinedNames };
}

/**
 * promptfoo's generateVarCombinations (src/evaluator.ts): a var holding a list
 * whose first item is a string expands into one case per item; the cartesian
 * product over such vars, the first var varying slowest. A list of anything
 * else is one value.
 */
export function varCombinations(vars: Vars): Vars[] {
  if (combinationCount(vars) > MAX_COMBINATIONS) throw new RangeError(`expands into ${combinationCount(vars)} cases, more than ${MAX_COMBINATIONS}`);
  let combos: Vars[] = [{}];
  for (const [key, value] of Object.entries(vars)) {
    const values = Array.isArray(value) && typeof value[0] === "string" ? value : [value];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/** The most cases one case's list vars may expand into. */
export const MAX_COMBINATIONS = 10_000;

/** How many cases `vars` expand into (the product of the expanding lists' lengths). */
export function combinationCount(vars: Vars): number {
  let n = 1;
  for (const v of Object.values(vars)) if (Array.isArray(v) && typeof v[0] === "string") n *= v.length;
  return n;
}

/** A var as a string, for `context.vars` and reports: strings as they are, other values as JSON. */
export function varText(v: VarValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
