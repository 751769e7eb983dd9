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
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    await atomicWrite(file, `${JSON.stringify({ key, runs }, null, 2)}\n`);
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
