import { readdirSync, readFileSync } from "node:fs";
import type { LlamaContext } from "node-llama-cpp";
import { onThreadCounts } from "./sample-guard.js";
import { threadpools } from "./threadpool.js";

/**
 * The batch trace (`MODELSMITH_TRACE=batches`): what the runtime sends to
 * llama.cpp through node-llama-cpp's native context, counted as it goes, and
 * printed as one line of JSON on stderr when the model closes:
 *
 * - `decodes`: calls of llama_decode (`decodeBatch`), with `tokens` the tokens
 *   they held and `sizes` how many calls held 1, 2, 3, ... tokens;
 * - `decodeMs`: wall time from each decode call to its answer on the event loop
 *   (the pool thread's queue included), `betweenMs`: from an answer to the next
 *   decode call (sampling, the JS of every generation, awaits between rounds);
 * - `samples`, `sampleMs`: sampleToken calls and their wall time, call to answer;
 * - `steps`: single tokens decoded and sampled in one call past node-llama-cpp
 *   (a runner's generation alone: stepOnThread in ./sample-guard.ts), each
 *   counted as a decode of one token and a sample; their times are in
 *   neither `decodeMs` nor `sampleMs`;
 * - `cpuMs`: the process's CPU time while the model was open, split into the
 *   event loop thread (`main`), the other threads still alive when the model
 *   closes (`live`: libuv's pool, where decode and sampling run, and V8's
 *   helpers; Node names them all "node", so they are not told apart), and
 *   threads that ended meanwhile (`ended`: chiefly the extra compute thread
 *   that each decode of more than one thread starts and joins, when no thread
 *   pool is attached);
 * - `threadpool`: how many contexts the thread pool library gave a persistent
 *   pool (./threadpool.ts) and how many of them are open, or why it is not
 *   loaded.
 *
 * Counts, not speed: a test reads `decodes` against the tokens generated; wall
 * times are for a person reading a run on an idle machine.
 */
export interface BatchTrace {
  decodes: number;
  tokens: number;
  sizes: Record<string, number>;
  decodeMs: number;
  /** Per batch size, the median wall time of a decode (robust to another process taking the cores for a while). */
  medianMs: Record<string, number>;
  betweenMs: number;
  samples: number;
  sampleMs: number;
  /** Decodes and samples taken as steps (stepOnThread), counted in decodes, tokens, sizes and samples. */
  steps: number;
  /** How many decodes ran with 1, 2, ... CPU threads (node-llama-cpp's thread splitter may set fewer than the context's before a decode). */
  threads: Record<string, number>;
  cpuMs: { main: number; live: number; ended: number };
  /** The thread pool library (./threadpool.ts): contexts given a persistent pool in this process, or why there is none. */
  threadpool: { attached: number; live: number } | { reason: string };
}

/** Whether MODELSMITH_TRACE asks for the batch trace. */
export function batchTraceWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env["MODELSMITH_TRACE"] ?? "").split(",").map((s) => s.trim()).includes("batches");
}

interface NativeContext {
  initBatch(size: number): unknown;
  setThreads(threads: number): unknown;
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

const nowNs = () => Number(process.hrtime.bigint());

/**
 * Counts the batches of `context` from now on (wrapping the three methods of
 * its native context, internal to node-llama-cpp, with own properties as
 * sample-guard.ts does); `finish()` returns the trace. Undefined when the
 * context has no such methods (another node-llama-cpp).
 */
export function traceBatches(context: LlamaContext, threads: number): { finish(): BatchTrace } | undefined {
  const native = (context as unknown as { _ctx?: NativeContext })._ctx;
  if (!native || typeof native.initBatch !== "function" || typeof native.setThreads !== "function" || typeof native.decodeBatch !== "function" || typeof native.sampleToken !== "function") return undefined;
  const t: BatchTrace = { decodes: 0, tokens: 0, sizes: {}, decodeMs: 0, medianMs: {}, betweenMs: 0, samples: 0, sampleMs: 0, steps: 0, threads: {}, cpuMs: { main: 0, live: 0, ended: 0 }, threadpool: { attached: 0, live: 0 } };
  const cpuAtStart = threadCpu();
  const processAtStart = process.cpuUsage();
  const stepsAtStart = onThreadCounts(context)?.steps ?? 0;
  let batchSize = 0;
  const durations = new Map<number, number[]>();
  let lastAnswer: number | undefined;
  const own = (name: keyof NativeContext, value: unknown) => Object.defineProperty(native, name, { value, configurable: true });
  let currentThreads = threads;
  const initBatch = native.initBatch.bind(native);
  const setThreads = native.setThreads.bind(native);
  own("setThreads", (n: number) => {
    currentThreads = n;
    return setThreads(n);
  });
  const decodeBatch = native.decodeBatch;
  const sampleToken = native.sampleToken;
  own("initBatch", (size: number) => {
    batchSize = size;
    return initBatch(size);
  });
  own("decodeBatch", (...args: unknown[]) => {
    const start = nowNs();
    if (lastAnswer !== undefined) t.betweenMs += (start - lastAnswer) / 1e6;
    t.decodes++;
    t.tokens += batchSize;
    t.sizes[batchSize] = (t.sizes[batchSize] ?? 0) + 1;
    t.threads[currentThreads] = (t.threads[currentThreads] ?? 0) + 1;
    const size = batchSize;
    const done = () => {
      lastAnswer = nowNs();
      t.decodeMs += (lastAnswer - start) / 1e6;
      const list = durations.get(size) ?? [];
      list.push((lastAnswer - start) / 1e6);
      durations.set(size, list);
    };
    const p = decodeBatch.apply(native, args);
    p.then(done, done);
    return p;
  });
  own("sampleToken", (...args: unknown[]) => {
    const start = nowNs();
    t.samples++;
    const p = sampleToken.apply(native, args);
    const done = () => (t.sampleMs += (nowNs() - start) / 1e6);
    p.then(done, done);
    return p;
  });
  return {
    finish() {
      // The steps since the start, added to a copy of the counts (finish may be called again).
      const steps = (onThreadCounts(context)?.steps ?? 0) - stepsAtStart;
      const out: BatchTrace = { ...t, steps, decodes: t.decodes + steps, tokens: t.tokens + steps, samples: t.samples + steps, sizes: { ...t.sizes }, threads: { ...t.threads }, medianMs: {} };
      if (steps > 0) {
        out.sizes[1] = (out.sizes[1] ?? 0) + steps;
        out.threads[currentThreads] = (out.threads[currentThreads] ?? 0) + steps;
      }
      const cpu = threadCpu();
      const total = process.cpuUsage(processAtStart);
      const main = (cpu.main - cpuAtStart.main) * 10;
      const live = (cpu.live - cpuAtStart.live) * 10;
      out.cpuMs = { main, live, ended: Math.round(Math.max(0, (total.user + total.system) / 1000 - main - live)) };
      const pools = threadpools();
      out.threadpool = pools.loaded ? { attached: pools.attached(), live: pools.live() } : { reason: pools.reason };
      for (const k of ["decodeMs", "betweenMs", "sampleMs"] as const) out[k] = Math.round(t[k]);
      for (const [size, list] of durations) {
        const sorted = [...list].sort((a, b) => a - b);
        out.medianMs[size] = Math.round(sorted[Math.floor(sorted.length / 2)]! * 100) / 100;
      }
      return out;
    },
  };
}

/**
 * CPU ticks (utime + stime, 10 ms each on Linux) of the event loop thread and
 * of the process's other live threads; zeros elsewhere. A thread that ends
 * between two calls drops out of `live` (its time stays in the process's).
 */
function threadCpu(): { main: number; live: number } {
  const out = { main: 0, live: 0 };
  if (process.platform !== "linux") return out;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (tid === String(process.pid)) out.main += ticks;
      else out.live += ticks;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
