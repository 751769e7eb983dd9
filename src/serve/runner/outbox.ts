/**
 * When a runner sends the pieces of streamed answers to the server (child.ts).
 *
 * Every message wakes the server, which then writes each piece to its client
 * (one NDJSON line or SSE event per piece; the lines of one message go out in
 * one write, as Node corks a response's socket for the tick).
 * On a CPU, that work takes a core from llama.cpp's compute threads, and one
 * preempted compute thread stalls the others at ggml's barrier. So:
 *
 * - a request's first piece goes at once (on the next turn of the event loop,
 *   with whatever else is pending): time to first token is not delayed;
 * - later pieces wait for the end of a batch decode (`decoded()`, called on
 *   the turn after it, once node-llama-cpp has queued its sampling: the
 *   compute threads are idle while it samples) and go when at least
 *   `intervalMs` (16, one frame of a 60 Hz screen) have passed since the last
 *   message, so the server and its clients work between decodes, once per
 *   interval, not during every decode;
 * - a piece never waits more than `maxDelayMs` (50) past the interval, and
 *   one made `maxDelayMs` or more after the last message goes at once: a slow
 *   model (a decode longer than that) sends each token as it comes, where the
 *   server's work is small beside the decode;
 * - a request with `maxPieces` (4) pieces pending sends at the next decode's
 *   end, interval or not: a very fast model sends about every 4 tokens, and a
 *   client that stops reading (an abort) has at most a few more pieces in hand
 *   than with one message per piece;
 * - `end(id)` (the answer is complete, failed or cancelled) sends everything
 *   pending first, so the `done` message follows its pieces.
 *
 * Measured (one stream of the bench model on 2 cores, docs/decisions.md,
 * "Streamed pieces between decodes"): the server's CPU per token went from
 * 0.52 to 0.22 ms, and the runner's time from a token to its next decode
 * shrank (0.6-0.9 to 0.3-0.4 ms). `intervalMs` 0 sends every piece on the next
 * turn of the event loop (the runner's behaviour before), as does a model
 * that cannot tell when its decodes end.
 */
export interface OutboxOptions {
  intervalMs: number;
  maxDelayMs: number;
  /** A request with this many pieces pending sends them at the next decode's end, interval or not (4). */
  maxPieces: number;
  /** Whether `decoded()` will be called (the model tells when its decodes end). */
  paced: boolean;
  now?: () => number;
}

/** MODELSMITH_STREAM_INTERVAL_MS (a whole number of milliseconds, 0 to 1000), else 16. */
export function streamIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return millisecondsEnv(env, "MODELSMITH_STREAM_INTERVAL_MS", 16);
}

/** MODELSMITH_BATCH_WINDOW_MS (a whole number of milliseconds, 0 to 1000), else 3: how long a request that finds its runner idle waits for others (child.ts). */
export function batchWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  return millisecondsEnv(env, "MODELSMITH_BATCH_WINDOW_MS", 3);
}

/** `env[name]` as a whole number of milliseconds, at most 1000; `fallback` when it is not one. */
function millisecondsEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || !/^\d+$/.test(raw)) return fallback;
  return Math.min(1000, Number(raw));
}

export class Outbox {
  private readonly pending = new Map<number, string[]>();
  /** Requests whose first piece has been sent. */
  private readonly started = new Set<number>();
  private lastSent = Number.NEGATIVE_INFINITY;
  private soon = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  /** `send` gets every request's pending pieces at once, requests in the order they first had one pending. */
  constructor(
    private readonly send: (batch: Array<[id: number, pieces: string[]]>) => void,
    private readonly o: OutboxOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
  }

  piece(id: number, text: string): void {
    const list = this.pending.get(id);
    if (list) list.push(text);
    else this.pending.set(id, [text]);
    if (!this.o.paced || this.o.intervalMs === 0 || !this.started.has(id) || this.now() - this.lastSent >= this.o.maxDelayMs) {
      // The first piece, or a slow model's (a decode longer than maxDelayMs: the server's work is small beside it).
      this.started.add(id);
      this.flushSoon();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSent + this.o.intervalMs - this.now()) + this.o.maxDelayMs);
    }
  }

  /** A batch decode ended: the pieces go now when the interval has passed or a request has maxPieces pending. */
  decoded(): void {
    if (this.pending.size > 0 && (this.now() - this.lastSent >= this.o.intervalMs || this.full())) this.flush();
  }

  /** Request `id` is over: everything pending goes now. */
  end(id: number): void {
    this.flush();
    this.started.delete(id);
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0) return;
    this.lastSent = this.now();
    const batch = [...this.pending];
    this.pending.clear();
    this.send(batch);
  }

  /** Some request has maxPieces pending: the next decode's end sends, interval or not. */
  private full(): boolean {
    for (const list of this.pending.values()) if (list.length >= this.o.maxPieces) return true;
    return false;
  }

  private flushSoon(): void {
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      this.flush();
    });
  }
}
