import { CheckFailedError, EnvironmentError, InputError, ModelsmithError } from "../../diagnostics/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { GenerateRequest, GenerateResult } from "../../runtime/index.js";
import type { EmbedOptions, EmbedResult, ModelFootprint } from "../../runtime/index.js";
import { HttpError } from "../http.js";

/**
 * The runner protocol: Node's IPC channel of `child_process.fork`, one JSON
 * message per line (Node's own framing). The server sends `open` once, then
 * requests with an id; the runner answers each id with `tok` messages (the
 * pieces produced since the last message, in order: one message per event-loop
 * turn, not per token), then `done` or `error`. See docs/decisions.md,
 * "Each loaded model runs in its own runner process".
 */
export type ToRunner =
  | { t: "open"; root: string; name: string; options: Record<string, unknown>; warnings: boolean }
  | { t: "gen"; id: number; req: WireGenerateRequest; stream: boolean }
  | { t: "embed"; id: number; inputs: string[]; options: EmbedOptions }
  | { t: "cancel"; id: number }
  | { t: "close" };

export type FromRunner =
  | { t: "ready"; name: string; manifestDigest: string; backend: string; embeds: boolean; footprint?: ModelFootprint }
  | { t: "openFailed"; error: WireError }
  | { t: "warn"; diagnostic: Diagnostic }
  | { t: "tok"; id: number; p: string[] }
  | { t: "done"; id: number; result: GenerateResult | EmbedResult }
  | { t: "error"; id: number; error: WireError };

/** A GenerateRequest without what cannot cross a process boundary (the signal, the callback). */
export type WireGenerateRequest = Omit<GenerateRequest, "signal" | "onToken">;

/** An error as it crosses the channel: the modelsmith errors keep their kind and diagnostics, an HttpError its status. */
export interface WireError {
  message: string;
  kind?: "check" | "input" | "environment";
  diagnostics?: Diagnostic[];
  status?: number;
  code?: string;
  param?: string;
}

export function toWire(err: unknown): WireError {
  if (err instanceof ModelsmithError) return { message: err.message, kind: err.kind, diagnostics: err.diagnostics };
  if (err instanceof HttpError) return { message: err.message, status: err.status, ...(err.code ? { code: err.code } : {}), ...(err.param ? { param: err.param } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(w: WireError): Error {
  if (w.kind && w.diagnostics) {
    if (w.kind === "input") return new InputError(w.diagnostics);
    if (w.kind === "environment") return new EnvironmentError(w.diagnostics);
    return new CheckFailedError(w.diagnostics);
  }
  if (w.status !== undefined) return new HttpError(w.status, w.message, { ...(w.code ? { code: w.code } : {}), ...(w.param ? { param: w.param } : {}) });
  return new Error(w.message);
}
