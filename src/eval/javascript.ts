import vm from "node:vm";

/** How long a javascript assertion (or transform) may run before it fails. */
export const JAVASCRIPT_TIMEOUT_MS = 1000;

export type JavascriptOutcome =
  | { kind: "bool"; pass: boolean }
  | { kind: "score"; score: number }
  | { kind: "graded"; pass: boolean; score: number; reason: string }
  | { kind: "error"; message: string };

/** A function loaded from a `file://check.js[:fnName]` script, called as promptfoo calls it: fn(output, context). */
export type ScriptFunction = (output: string, context: unknown) => unknown;

/**
 * The function body promptfoo builds from an inline javascript value
 * (handleJavascript and buildFunctionBody in src/assertions/javascript.ts):
 * trailing whitespace is cut; a value of several lines is the body as written
 * (it must `return`); one line is `return <line>`, except that a line starting
 * with const/let/var gets its `return` after its last top-level semicolon.
 */
export function javascriptBody(code: string): string {
  const value = code.trimEnd();
  if (value.includes("\n")) return value;
  const trimmed = value.trim().replace(/;+\s*$/, "");
  if (/^(const|let|var)\s/.test(trimmed)) {
    const i = lastTopLevelSemicolon(trimmed);
    if (i !== -1 && trimmed.slice(i + 1).trim()) return `${trimmed.slice(0, i + 1)} return ${trimmed.slice(i + 1).trim()}`;
    return trimmed;
  }
  return `return ${trimmed}`;
}

/** The last `;` outside strings, template literals, comments and brackets; -1 when none. */
function lastTopLevelSemicolon(code: string): number {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if (ch === '"' || ch === "'" || ch === "`") {
      for (i++; i < code.length && code[i] !== ch; i++) if (code[i] === "\\") i++;
    } else if (ch === "/" && code[i + 1] === "/") break;
    else if (ch === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? code.length : end + 1;
    } else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === ";" && depth === 0) last = i;
  }
  return last;
}

/** The script that defines the assertion's function, as promptfoo's `new Function('output', 'context', 'process', body)`. */
function functionSource(body: string): string {
  return `(function (output, context, process) {\n${body}\n})`;
}

/** undefined when an inline javascript value compiles as promptfoo would run it, else the reason. */
export function javascriptCompileProblem(code: string): string | undefined {
  try {
    new vm.Script(functionSource(javascriptBody(code)));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const compiled = new Map<string, vm.Script>();

function runInline(code: string, args: { output: unknown; context: unknown }, timeoutMs: number): unknown {
  let script = compiled.get(code);
  if (!script) compiled.set(code, (script = new vm.Script(`${functionSource(javascriptBody(code))}(output, context, undefined)`)));
  const sandbox = vm.createContext({ output: args.output, context: JSON.parse(JSON.stringify(args.context)) as unknown });
  return script.runInContext(sandbox, { timeout: timeoutMs });
}

const messageOf = (e: unknown) => (e instanceof Error || (typeof e === "object" && e !== null && "message" in e) ? String((e as { message: unknown }).message) : String(e));

/**
 * Runs a javascript assertion: inline code in a fresh `node:vm` context that
 * holds `output` and `context` ({prompt, vars}), with a timeout, or a script
 * file's function called with (output, context). `vm` keeps the assertion from
 * touching this process's globals by accident; it is not a security boundary
 * (test files are code, like a Makefile).
 *
 * The result, as promptfoo's validateResult: a boolean (pass), a finite number
 * (the score, as it is: not clamped), or a grading object with `pass`
 * (boolean), `score` (number) and `reason` (string), promptfoo's
 * isGradingResult; anything else is an error.
 */
export function runJavascript(code: string, output: string, context: { prompt: string; vars: Record<string, unknown> }, timeoutMs = JAVASCRIPT_TIMEOUT_MS, fn?: ScriptFunction): JavascriptOutcome {
  let result: unknown;
  try {
    result = fn ? fn(output, JSON.parse(JSON.stringify(context))) : runInline(code, { output, context }, timeoutMs);
  } catch (e) {
    const message = messageOf(e);
    return { kind: "error", message: /Script execution timed out/.test(message) ? `timed out after ${timeoutMs} ms` : `threw ${message}` };
  }
  if (typeof result === "boolean") return { kind: "bool", pass: result };
  if (typeof result === "number") return Number.isFinite(result) ? { kind: "score", score: result } : { kind: "error", message: `returned ${result}, not a finite number` };
  if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then === "function") {
    return { kind: "error", message: "returned a Promise: modelsmith grades synchronously, so an assertion function cannot be async" };
  }
  if (isGradingResult(result)) return Number.isFinite(result.score) ? { kind: "graded", pass: result.pass, score: result.score, reason: result.reason } : { kind: "error", message: "returned a grading object with a score that is not finite" };
  const what = result === null ? "null" : typeof result === "object" ? `an object without ${missingKeys(result as Record<string, unknown>)}` : typeof result;
  return { kind: "error", message: `returned ${what}: it must return a boolean, a finite number, or {pass, score, reason}` };
}

/** promptfoo's isGradingResult (src/types/index.ts): pass boolean, score number, reason string. */
function isGradingResult(r: unknown): r is { pass: boolean; score: number; reason: string } {
  const o = r as Record<string, unknown>;
  return typeof r === "object" && r !== null && typeof o.pass === "boolean" && typeof o.score === "number" && typeof o.reason === "string";
}

function missingKeys(o: Record<string, unknown>): string {
  const want: [string, string][] = [
    ["pass", "boolean"],
    ["score", "number"],
    ["reason", "string"],
  ];
  return want
    .filter(([k, t]) => typeof o[k] !== t)
    .map(([k, t]) => `${k} (a ${t})`)
    .join(", ");
}

/**
 * A transform (a case's `options.transform`, an assertion's `transform`) as
 * promptfoo runs one (src/util/transform.ts): inline code is `return <code>`
 * when it is one line, else a function body, called with (output, context); a
 * script file's function likewise. The result replaces the output; one that is
 * not a string is compared as its JSON, as promptfoo's coerceString does.
 */
export function runTransform(code: string, output: string, context: { prompt: string; vars: Record<string, unknown> }, fn?: ScriptFunction, timeoutMs = JAVASCRIPT_TIMEOUT_MS): { ok: true; text: string } | { ok: false; message: string } {
  let result: unknown;
  try {
    if (fn) result = fn(output, JSON.parse(JSON.stringify(context)));
    else {
      let script = compiled.get(`transform:${code}`);
      if (!script) compiled.set(`transform:${code}`, (script = new vm.Script(`${functionSource(transformBody(code))}(output, context, undefined)`)));
      result = script.runInContext(vm.createContext({ output, context: JSON.parse(JSON.stringify(context)) as unknown }), { timeout: timeoutMs });
    }
  } catch (e) {
    return { ok: false, message: `transform threw ${messageOf(e)}` };
  }
  if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then === "function") return { ok: false, message: "transform returned a Promise: transforms run synchronously here" };
  return { ok: true, text: typeof result === "string" ? result : result === undefined ? "" : JSON.stringify(result) };
}

/** promptfoo's inline transform: `return <code>` for one line, the code as a body otherwise. */
export function transformBody(code: string): string {
  return code.includes("\n") ? code : `return ${code}`;
}

/** undefined when an inline transform compiles, else the reason. */
export function transformCompileProblem(code: string): string | undefined {
  try {
    new vm.Script(functionSource(transformBody(code)));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
