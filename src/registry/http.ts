import { setTimeout as sleep } from "node:timers/promises";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";

/**
 * How long a registry or download server may keep us waiting, and how often a
 * request is tried again. Each is read from the environment (seconds; tests
 * set them short):
 *
 * | variable | default | bounds |
 * |---|---|---|
 * | MODELSMITH_HTTP_TIMEOUT | 30 | connecting and the response's headers |
 * | MODELSMITH_HTTP_IDLE_TIMEOUT | 60 | the longest pause between two pieces of a body |
 * | MODELSMITH_HTTP_RETRIES | 3 | tries after the first, for a request that got no answer, timed out or got 429/5xx |
 * | MODELSMITH_HTTP_BACKOFF | 0.5 | the first wait before a retry; doubled each time (at most 30 s), with jitter |
 *
 * (undici, under fetch, also gives up connecting after 10 s.)
 */
export interface HttpLimits {
  headersMs: number;
  idleMs: number;
  retries: number;
  backoffMs: number;
}

export function httpLimits(env: NodeJS.ProcessEnv = process.env): HttpLimits {
  return {
    headersMs: seconds(env.MODELSMITH_HTTP_TIMEOUT, 30) * 1000,
    idleMs: seconds(env.MODELSMITH_HTTP_IDLE_TIMEOUT, 60) * 1000,
    retries: Math.floor(seconds(env.MODELSMITH_HTTP_RETRIES, 3)),
    backoffMs: seconds(env.MODELSMITH_HTTP_BACKOFF, 0.5) * 1000,
  };
}

function seconds(text: string | undefined, fallback: number): number {
  const n = text === undefined || text.trim() === "" ? NaN : Number(text);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** The reason an abort carries when a server kept us waiting too long. */
export class HttpTimeout extends Error {
  constructor(readonly phase: "headers" | "idle", readonly ms: number) {
    super(phase === "headers" ? `no answer within ${ms / 1000} s` : `no data for ${ms / 1000} s`);
    this.name = "HttpTimeout";
  }
}

/**
 * fetch with a deadline for the response's headers (`limits.headersMs`): a
 * server that accepts the connection and never answers is an HttpTimeout, not
 * a wait without end. The caller's `signal` still cancels.
 */
export async function fetchWithDeadline(url: string | URL, init: RequestInit & { signal?: AbortSignal | null }, limits: HttpLimits): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new HttpTimeout("headers", limits.headersMs)), limits.headersMs);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
  try {
    return await fetch(url, { ...init, signal });
  } catch (err) {
    if (deadline.signal.aborted && !init.signal?.aborted) throw deadline.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The pieces of a response body, each within `idleMs` of the one before
 * (HttpTimeout "idle" otherwise; the body is cancelled).
 */
export async function* bodyChunks(res: Response, idleMs: number): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HttpTimeout("idle", idleMs)), idleMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) return;
        yield value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * Reads a whole body of at most `maxBytes` (EnvironmentError MS5696 beyond:
 * a hostile or broken server cannot make us hold gigabytes), each piece
 * within the idle timeout.
 */
export async function readBounded(res: Response, maxBytes: number, idleMs: number, what: string, host: string): Promise<Buffer> {
  const tooLarge = (n: string) =>
    new EnvironmentError(error("MS5696", `${host} sent a ${what} of ${n} bytes, more than the ${maxBytes} a registry may send`, { hint: "the registry is broken or hostile: a manifest is small JSON" }));
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(String(declared));
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of bodyChunks(res, idleMs)) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(`over ${maxBytes}`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

const TRANSIENT = Symbol("transient");

/** Marks `err` as worth trying again (no answer, a dropped connection, 429/5xx). */
export function transient<E extends Error>(err: E): E {
  return Object.assign(err, { [TRANSIENT]: true });
}

/** A failure worth trying again: a timeout, or one marked `transient`. */
export function isTransient(err: unknown): boolean {
  return err instanceof HttpTimeout || (typeof err === "object" && err !== null && (err as { [TRANSIENT]?: boolean })[TRANSIENT] === true);
}

/** Whether an HTTP status says to try again later. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}

/**
 * Runs `attempt` until it succeeds, at most `limits.retries` more times
 * after the first when it fails transiently (`isTransient`), waiting
 * backoffMs, 2×, 4× … (at most 30 s, ±25 % jitter) between tries. A
 * cancellation is never retried.
 */
export async function withRetries<T>(limits: HttpLimits, attempt: (n: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (signal?.aborted || n >= limits.retries || !isTransient(err)) throw err;
      const wait = Math.min(30_000, limits.backoffMs * 2 ** n) * (0.75 + Math.random() * 0.5);
      await sleep(wait, undefined, signal ? { signal } : {});
    }
  }
}

/** EnvironmentError MS5695 for a server that kept us waiting past a timeout. */
export function timedOut(host: string, what: string, t: HttpTimeout): EnvironmentError {
  const phase = t.phase === "headers" ? `did not answer within ${t.ms / 1000} s` : `stopped sending for ${t.ms / 1000} s`;
  return transientError(
    error("MS5695", `${host} ${phase} (${what})`, {
      hint: "check that the server is up; MODELSMITH_HTTP_TIMEOUT and MODELSMITH_HTTP_IDLE_TIMEOUT set the limits in seconds, MODELSMITH_HTTP_RETRIES the tries",
    }),
    t,
  );
}

function transientError(d: ReturnType<typeof error>, cause: unknown): EnvironmentError {
  return transient(new EnvironmentError(d, { cause }));
}
