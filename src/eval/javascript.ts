import vm from "node:vm";
import { javascriptSource } from "./check-assertion.js";

/** How long a javascript assertion may run before it fails. */
export const JAVASCRIPT_TIMEOUT_MS = 1000;

export type JavascriptOutcome =
  | { kind: "bool"; pass: boolean }
  | { kind: "score"; score: number }
  | { kind: "graded"; pass: boolean; score?: number; reason?: string }
  | { kind: "error"; message: string };

/**
 * Runs a javascript assertion in a fresh `node:vm` context that holds `output`
 * (the generated text) and `context` ({prompt, vars}), with a timeout. `vm` keeps
 * the assertion from touching this process's globals by accident; it is not a
 * security boundary (test files are code, like a Makefile).
 *
 * The result: a boolean (pass), a number (a score), or promptfoo's grading
 * object `{pass, score?, reason?}`; anything else is an error.
 */
export function runJavascript(code: string, output: string, context: { prompt: string; vars: Record<string, string> }, timeoutMs = JAVASCRIPT_TIMEOUT_MS): JavascriptOutcome {
  let result: unknown;
  try {
    const sandbox = vm.createContext({ output, context: JSON.parse(JSON.stringify(context)) as unknown });
    result = new vm.Script(javascriptSource(code)).runInContext(sandbox, { timeout: timeoutMs });
  } catch (e) {
    const message = e instanceof Error || (typeof e === "object" && e !== null && "message" in e) ? String((e as { message: unknown }).message) : String(e);
    return { kind: "error", message: /timed out/.test(message) ? `timed out after ${timeoutMs} ms` : `threw ${message}` };
  }
  if (typeof result === "boolean") return { kind: "bool", pass: result };
  if (typeof result === "number") return Number.isFinite(result) ? { kind: "score", score: result } : { kind: "error", message: `returned ${result}` };
  if (typeof result === "object" && result !== null && typeof (result as { pass?: unknown }).pass === "boolean") {
    const r = result as { pass: boolean; score?: unknown; reason?: unknown };
    return { kind: "graded", pass: r.pass, ...(typeof r.score === "number" ? { score: r.score } : {}), ...(typeof r.reason === "string" ? { reason: r.reason } : {}) };
  }
  return { kind: "error", message: `returned ${result === null ? "null" : typeof result}, not a boolean, a number or {pass, score, reason}` };
}
