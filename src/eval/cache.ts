import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { atomicWrite } from "../fsutil/atomic-write.js";
import { digestOf } from "../lock/canonical-json.js";
import type { EvalRequest } from "./model.js";

/** Bumped when what a cached entry holds, or how a key is made, changes. */
export const EVAL_CACHE_VERSION = 1;

/** One generation as the cache keeps it: enough to grade it again. */
export interface CachedRun {
  text: string;
  finishReason: "stop" | "length" | "abort";
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /** Each generated token's natural-log probability, kept when a perplexity assertion asked for them (JSON writes -Infinity as null). */
  logprobs?: (number | null)[];
}

export interface CacheKeyInput {
  manifestDigest: string;
  backend: string;
  request: Pick<EvalRequest, "prompt" | "messages" | "raw" | "options">;
  repeat: number;
}

/**
 * The cache key of a case's generations: the digest of the canonical JSON of
 * the built model (manifest digest), the runtime backend, what is sent (prompt
 * or messages after vars, raw, options) and the number of runs. Assertions are
 * not part of it: outputs are cached, grades are recomputed, so editing an
 * assertion re-grades without generating again. Pure.
 */
export function caseCacheKey(input: CacheKeyInput): string {
  const { prompt, messages, raw, options } = input.request;
  return digestOf({ v: EVAL_CACHE_VERSION, manifest: input.manifestDigest, backend: input.backend, prompt, messages, raw: raw ?? false, options: options ?? {}, repeat: input.repeat });
}

export interface GraderKeyInput {
  /** The grader's manifest digest and backend, as a case's key holds the tested model's. */
  manifestDigest: string;
  backend: string;
  /** The grading chat as sent: the rendered grading prompt, which holds the output graded. */
  messages: readonly { role: string; content: string }[];
  /** Which of the identical requests an assertion makes (answer-relevance asks for three questions alike); 0 for the others. */
  slot: number;
}

/**
 * The cache key of a grader's answer: the grader's manifest digest and backend,
 * the grading chat (prompt and output inside it) and the slot. Unchanged
 * grader, prompt and output: the verdict is read back instead of asking the
 * grader. Pure.
 */
export function graderCacheKey(input: GraderKeyInput): string {
  return digestOf({ v: EVAL_CACHE_VERSION, kind: "grader", manifest: input.manifestDigest, backend: input.backend, messages: input.messages.map((m) => ({ role: m.role, content: m.content })), slot: input.slot });
}

/** The cache key of an embedding: the embedding model's digest and backend, and the text. Pure. */
export function embeddingCacheKey(input: { manifestDigest: string; backend: string; text: string }): string {
  return digestOf({ v: EVAL_CACHE_VERSION, kind: "embedding", manifest: input.manifestDigest, backend: input.backend, text: input.text });
}

/**
 * Cached generations under a store root:
 * `<root>/cache/eval/<first 2 hex>/<hex>.json`, each written atomically.
 * An unreadable or malformed entry is a miss.
 */
export class EvalCache {
  readonly dir: string;

  constructor(storeRoot: string) {
    this.dir = path.join(storeRoot, "cache", "eval");
  }

  pathOf(key: string): string {
    const hex = key.replace(/^sha256:/, "");
    return path.join(this.dir, hex.slice(0, 2), `${hex}.json`);
  }

  async get(key: string): Promise<CachedRun[] | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.pathOf(key), "utf8")) as { key?: unknown; runs?: unknown };
      return entry.key === key && Array.isArray(entry.runs) && entry.runs.every(isCachedRun) ? (entry.runs as CachedRun[]) : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, runs: readonly CachedRun[]): Promise<void> {
    await this.write(key, { key, runs });
  }

  /** A grader's cached answer (graderCacheKey); undefined on a miss. */
  async getAnswer(key: string): Promise<string | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.pathOf(key), "utf8")) as { key?: unknown; answer?: unknown };
      return entry.key === key && typeof entry.answer === "string" ? entry.answer : undefined;
    } catch {
      return undefined;
    }
  }

  async putAnswer(key: string, answer: string): Promise<void> {
    await this.write(key, { key, answer });
  }

  /** A cached embedding (embeddingCacheKey); undefined on a miss. */
  async getVector(key: string): Promise<number[] | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.pathOf(key), "utf8")) as { key?: unknown; vector?: unknown };
      return entry.key === key && Array.isArray(entry.vector) && entry.vector.every((x) => typeof x === "number") ? (entry.vector as number[]) : undefined;
    } catch {
      return undefined;
    }
  }

  async putVector(key: string, vector: readonly number[]): Promise<void> {
    await this.write(key, { key, vector });
  }

  private async write(key: string, entry: object): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    await atomicWrite(file, `${JSON.stringify(entry, null, 2)}\n`);
  }
}

function isCachedRun(r: unknown): r is CachedRun {
  const x = r as CachedRun;
  return (
    typeof x === "object" &&
    x !== null &&
    typeof x.text === "string" &&
    ["stop", "length", "abort"].includes(x.finishReason) &&
    typeof x.latencyMs === "number" &&
    typeof x.promptTokens === "number" &&
    typeof x.completionTokens === "number" &&
    (x.logprobs === undefined || (Array.isArray(x.logprobs) && x.logprobs.every((p) => p === null || typeof p === "number")))
  );
}

/** A run's log-probabilities as numbers (null, JSON's -Infinity, back to -Infinity). */
export const logprobsOf = (r: CachedRun): number[] | undefined => r.logprobs?.map((p) => (p === null ? Number.NEGATIVE_INFINITY : p));
