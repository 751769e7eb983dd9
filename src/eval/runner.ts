import { performance } from "node:perf_hooks";
import { caseCacheKey, logprobsOf, type CachedRun, type EvalCache } from "./cache.js";
import { LOGPROB_TYPES } from "./assertions/perplexity.js";
import { evaluateAssertion, type AssertionResult } from "./evaluate.js";
import { gradeCase, gradeRun } from "./grade.js";
import { runTransform } from "./javascript.js";
import type { EvalModel, EvalRequest } from "./model.js";
import type { TestCase } from "./test-file.js";
import { error } from "../diagnostics/diagnostic.js";
import { formatTimeout } from "./timeout.js";
import { judgeCase, needsModels, type GraderTally, type GradingModels, type Judgments } from "./graders.js";

export interface RunResult extends CachedRun {
  pass: boolean;
  score: number;
  /** Per metric (an assertion's `metric`), the run's weighted score. */
  namedScores?: Record<string, number>;
  /** The output the assertions saw, when the case's `transform` changed it. */
  transformed?: string;
  assertions: AssertionResult[];
}

export type CaseStatus = "pass" | "fail" | "error";

export interface CaseResult {
  case: TestCase;
  /** The model tested, as the runtime names it. */
  model: string;
  status: CaseStatus;
  /** Mean weighted score over runs, 0..1. */
  score: number;
  /** Runs that passed / runs. */
  passRate: number;
  runs: RunResult[];
  /** True when the generations came from the cache. */
  cached: boolean;
  /** Wall time of the case's generations (0 when cached). */
  durationMs: number;
  /** Why the case could not run (status `error`). */
  error?: string;
  /** Per metric, the mean over runs of the run's named score. */
  namedScores?: Record<string, number>;
  /** The grader answers of its model-graded assertions: read from the cache, or given by a grader now. */
  graderAnswers?: GraderTally;
}

export interface RunCasesOptions {
  /** Where generations are cached; absent: no caching. */
  cache?: EvalCache;
  /** Skip cache reads (`--no-cache`); results are still written. */
  refresh?: boolean;
  /** Generations in flight at once: the model's sequences (default 4). */
  parallel?: number;
  signal?: AbortSignal;
  /** Called as each case finishes, in finishing order. */
  onCase?: (result: CaseResult) => void;
  /** The models that grade model-graded and `similar` assertions (graders.ts); needed when a case has one. */
  grading?: GradingModels;
}

/** The request a case sends. */
export function requestOf(c: TestCase): EvalRequest {
  return {
    ...(c.prompt !== undefined ? { prompt: c.prompt } : {}),
    ...(c.messages !== undefined ? { messages: c.messages } : {}),
    ...(c.raw ? { raw: true } : {}),
    options: c.options,
    ...(needsLogprobs(c) ? { logprobs: true } : {}),
  };
}

/** Whether a case grades token log-probabilities (perplexity, perplexity-score). */
const needsLogprobs = (c: TestCase): boolean => c.assert.some((a) => LOGPROB_TYPES.has(a.type));

/**
 * Cached runs a case can be graded from: as many as it repeats, and, when it
 * grades perplexity, with their log-probabilities (an entry written before the
 * case asked for them is generated again: the key does not hold the ask, as
 * the answer is the same).
 */
const usable = (c: TestCase, hit: readonly CachedRun[] | undefined): hit is CachedRun[] => hit !== undefined && hit.length === c.repeat && (!needsLogprobs(c) || hit.every((r) => r.logprobs !== undefined));

/**
 * Runs cases on one loaded model: every run of every case goes to
 * `model.generate`, up to `parallel` at a time (the runtime gives each call its
 * own sequence of one shared context). A case whose generations are cached
 * under (manifest digest, backend, request, repeat) is graded from the cache
 * without generating. Latency is the wall time of each generate call. Results
 * come back in the order of `cases`; a generation that throws, or that runs past
 * the case's `timeout` (it is then aborted, which frees its sequence), makes its
 * case `error` (nothing is cached for it).
 */
export async function runCases(model: EvalModel, cases: readonly TestCase[], opts: RunCasesOptions = {}): Promise<CaseResult[]> {
  const limit = pool(Math.max(1, opts.parallel ?? 4));
  return Promise.all(
    cases.map(async (c) => {
      const request = requestOf(c);
      const key = caseCacheKey({ manifestDigest: model.manifestDigest, backend: model.backend, request, repeat: c.repeat });
      const hit = opts.cache && !opts.refresh ? await opts.cache.get(key) : undefined;
      let runs: CachedRun[];
      let durationMs = 0;
      let result: CaseResult;
      if (usable(c, hit)) {
        runs = hit;
        try {
          result = grade(model.name, c, runs, true, 0, await judge(c, runs, opts.grading));
        } catch (e) {
          result = { case: c, model: model.name, status: "error", score: 0, passRate: 0, runs: [], cached: true, durationMs: 0, error: (e as Error).message ?? String(e) };
        }
      } else {
        const started = performance.now();
        try {
          runs = await Promise.all(Array.from({ length: c.repeat }, () => limit(() => generateOnce(model, request, c.timeoutMs, opts.signal))));
          durationMs = performance.now() - started;
          await opts.cache?.put(key, runs);
          result = grade(model.name, c, runs, false, durationMs, await judge(c, runs, opts.grading));
        } catch (e) {
          result = { case: c, model: model.name, status: "error", score: 0, passRate: 0, runs: [], cached: false, durationMs: performance.now() - started, error: (e as Error).message ?? String(e) };
        }
      }
      opts.onCase?.(result);
      return result;
    }),
  );
}

/**
 * The results of `cases` graded from the cache alone, or undefined when one of
 * them has no cached generations: lets a caller skip loading a model whose
 * every answer is known.
 */
export async function casesFromCache(model: Pick<EvalModel, "name" | "manifestDigest" | "backend">, cases: readonly TestCase[], cache: EvalCache, grading?: GradingModels): Promise<CaseResult[] | undefined> {
  const hits: CachedRun[][] = [];
  for (const c of cases) {
    const hit = await cache.get(caseCacheKey({ manifestDigest: model.manifestDigest, backend: model.backend, request: requestOf(c), repeat: c.repeat }));
    if (!usable(c, hit)) return undefined;
    hits.push(hit);
  }
  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    try {
      results.push(grade(model.name, c, hits[i]!, true, 0, await judge(c, hits[i]!, grading)));
    } catch (e) {
      results.push({ case: c, model: model.name, status: "error", score: 0, passRate: 0, runs: [], cached: true, durationMs: 0, error: (e as Error).message ?? String(e) });
    }
  }
  return results;
}

/** What the grading models say about a case's runs, and how many grader answers the cache gave; undefined when it has no model assertion. Throws when one is needed and none is given. */
async function judge(c: TestCase, runs: readonly CachedRun[], grading: GradingModels | undefined): Promise<{ judged: Judgments[]; tally: GraderTally } | undefined> {
  if (!needsModels(c)) return undefined;
  if (!grading) throw new Error("model-graded assertions need grading models, and none were given");
  // Graders judge the output the assertions see: after the case's transform (a run whose transform fails is not judged).
  const prompt = c.prompt ?? c.messages?.map((m) => m.content).join("\n") ?? "";
  const tally: GraderTally = { cached: 0, asked: 0 };
  const judged = await judgeCase(c, runs.map((r) => { const t = caseOutput(c, r.text, prompt); return t.ok ? { text: t.text } : undefined; }), grading, tally);
  return { judged, tally };
}

/**
 * One generation under the case's time limit: past `timeoutMs` its signal
 * aborts it (the runtime stops at the next token and frees the sequence), and
 * it throws MS6075. The limit runs from the call, after the runner's pool has
 * given it a slot, so time spent waiting behind other cases does not count.
 */
async function generateOnce(model: EvalModel, request: EvalRequest, timeoutMs: number, signal?: AbortSignal): Promise<CachedRun> {
  signal?.throwIfAborted();
  const t0 = performance.now();
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  let g: Awaited<ReturnType<EvalModel["generate"]>>;
  try {
    g = await model.generate({ ...request, signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal });
  } finally {
    clearTimeout(timeout);
  }
  if (timer.signal.aborted && !signal?.aborted) {
    const d = error("MS6075", `timed out after ${formatTimeout(timeoutMs)} (the case's \`timeout:\`, default 60 s): the generation was stopped after ${g.completionTokens} token(s)`);
    throw new Error(`${d.code}: ${d.message}`);
  }
  const latencyMs = Math.round((performance.now() - t0) * 1000) / 1000;
  return { text: g.text, finishReason: g.finishReason, promptTokens: g.promptTokens, completionTokens: g.completionTokens, latencyMs, ...(g.logprobs ? { logprobs: g.logprobs } : {}) };
}

/** Grades cached or fresh generations of a case (pure). */
export function grade(modelName: string, c: TestCase, runs: readonly CachedRun[], cached: boolean, durationMs: number, judgment?: { judged: readonly Judgments[]; tally?: GraderTally }): CaseResult {
  const judged = judgment?.judged;
  const tally = judgment?.tally;
  const prompt = c.prompt ?? c.messages?.map((m) => m.content).join("\n") ?? "";
  const graded: RunResult[] = runs.map((r, i) => {
    const t = caseOutput(c, r.text, prompt);
    if (!t.ok) {
      const failed: AssertionResult = { name: "transform", pass: false, score: 0, weight: 1, expected: "transform the output", detail: t.message };
      return { ...r, pass: false, score: 0, assertions: [failed] };
    }
    const text = t.text;
    const j = judged?.[i];
    const logprobs = logprobsOf(r);
    const results = c.assert.map((a) => evaluateAssertion(a, { text, finishReason: r.finishReason, latencyMs: r.latencyMs, prompt, vars: c.vars, ...(logprobs ? { logprobs } : {}), ...(j ? { judged: j } : {}) }));
    const { setResults, ...g } = gradeRun(results, c.threshold, c.assertSets);
    return { ...r, ...g, ...(text !== r.text ? { transformed: text } : {}), assertions: [...results, ...setResults] };
  });
  const g = gradeCase(graded, c.passRate);
  const named = meanNamedScores(graded);
  return {
    case: c,
    model: modelName,
    status: g.pass ? "pass" : "fail",
    score: g.score,
    passRate: g.passRate,
    runs: graded,
    cached,
    durationMs,
    ...(named ? { namedScores: named } : {}),
    ...(tally && tally.cached + tally.asked > 0 ? { graderAnswers: { ...tally } } : {}),
  };
}

/**
 * The output a case's assertions see: the case's transform (promptfoo's
 * options.transform) runs once on the generation; every assertion, and every
 * grading model, sees its result.
 */
function caseOutput(c: TestCase, text: string, prompt: string): { ok: true; text: string } | { ok: false; message: string } {
  return c.transform ? runTransform(c.transform.code, text, { prompt, vars: c.vars }, c.transform.fn) : { ok: true, text };
}

/** Per metric, the mean of the runs' named scores (undefined when no assertion names a metric). */
function meanNamedScores(runs: readonly RunResult[]): Record<string, number> | undefined {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of runs) for (const [k, v] of Object.entries(r.namedScores ?? {})) {
    const m = sums.get(k) ?? { sum: 0, n: 0 };
    m.sum += v;
    m.n += 1;
    sums.set(k, m);
  }
  return sums.size ? Object.fromEntries([...sums].map(([k, m]) => [k, m.sum / m.n])) : undefined;
}

/** A tiny concurrency limiter: at most `n` tasks run at once, started in call order; a finishing task hands its slot to the next. */
function pool(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
