import { CheckFailedError, EnvironmentError, InputError, ModelsmithError } from "../../diagnostics/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { GenerateRequest, GenerateResult } from "../../runtime/index.js";
import type { EmbedOptions, EmbedResult, ModelFootprint } from "../../runtime/index.js";
import type { Socket } from "node:net";
import { HttpError } from "../http.js";
import type { PieceFrame } from "./frames.js";

/**
 * The runner protocol: JSON messages, one per line, over the runner's socket
 * (spawner.ts: a Unix socket the server listens on and the runner connects
 * to, MODELSMITH_RUNNER_SOCKET; the framing Node's own IPC channel uses). The
 * server sends `open` once, then
 * requests with an id; the runner answers each id with `tok` messages (the
 * pieces produced since the last message, in order: a request's first piece at
 * once, later ones between decodes, at most every 16 ms: outbox.ts), then
 * `done` or `error`. See docs/decisions.md,
 * "Each loaded model runs in its own runner process".
 *
 * A streamed request may be handed over (docs/decisions.md, "A runner writes
 * its stream to the client itself"): `gen` carries `direct`, the runner sends
 * its first pieces as `tok` and holds the later ones; the server writes the
 * first pieces, then answers `go` (having sent the connection's descriptor
 * over the runner's handoff channel, a socketpair: fdpass.ts) or `nogo`. After
 * `go` the runner writes the pieces as HTTP chunks on that connection itself,
 * and sends `done` only once they are all in the kernel and it has closed its
 * descriptor: the server then writes the final chunk as before.
 */
export type ToRunner =
  /** `aliveMs`: how often a runner writing to clients itself says `alive` (a quarter of the server's hang limit, at most 1 s). */
  | { t: "open"; root: string; name: string; options: Record<string, unknown>; warnings: boolean; aliveMs?: number }
  /** `direct`: the bytes of a piece's chunk, when the server may hand the client's connection over after the first pieces (see above). */
  | { t: "gen"; id: number; req: WireGenerateRequest; stream: boolean; direct?: PieceFrame }
  /** The client's connection of request `id` waits on the handoff channel: the runner writes that request's later pieces itself. */
  | { t: "go"; id: number }
  /** It will not come: the runner sends that request's pieces as before. */
  | { t: "nogo"; id: number }
  | { t: "embed"; id: number; inputs: string[]; options: EmbedOptions }
  | { t: "cancel"; id: number }
  | { t: "close" };

export type FromRunner =
  /** `lowered`: the runner's event loop went to nice 19 (a CPU decode on more than one thread): the server's goes too. `onThread`: it decodes on its own thread (openModel's decodeOnThread). */
  | { t: "ready"; name: string; manifestDigest: string; backend: string; embeds: boolean; lowered: boolean; onThread?: boolean; footprint?: ModelFootprint }
  | { t: "openFailed"; error: WireError }
  | { t: "warn"; diagnostic: Diagnostic }
  | { t: "tok"; id: number; p: string[] }
  /** Nothing else said for `aliveMs` while it writes to clients itself: it is not hung. */
  | { t: "alive" }
  /** A connection it holds backed up (the kernel took part of a write), or drained again: were it to die backed up, a chunk could be cut short. */
  | { t: "backlog"; id: number; on: boolean }
  /** `direct`: the runner wrote pieces of this answer to the client itself. */
  | { t: "done"; id: number; result: GenerateResult | EmbedResult; direct?: boolean }
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

/** One message as it goes over a runner's socket: JSON and a newline (JSON.stringify escapes the newlines inside). */
export function frame(m: ToRunner | FromRunner): string {
  return `${JSON.stringify(m)}\n`;
}

/**
 * Calls `onMessage` for every message that arrives on `socket`, in order. A
 * line that is not JSON (a runner writing what it should not) ends the
 * connection: `socket` is destroyed, and its owner hears "close".
 */
export function readMessages<M>(socket: Socket, onMessage: (m: M) => void): void {
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf("\n", start)) >= 0) {
      const line = buffer.slice(start, nl);
      start = nl + 1;
      let m: M;
      try {
        m = JSON.parse(line) as M;
      } catch {
        socket.destroy();
        return;
      }
      onMessage(m);
    }
    buffer = buffer.slice(start);
  });
}
