import { TokenMeter, type LlamaContext, type LlamaContextSequence, type Token } from "node-llama-cpp";
import type { OnThread } from "./on-thread.js";
import type { OnThreadCounts } from "./types.js";

/** The two methods of node-llama-cpp's native context (`LlamaContext._ctx`, internal) that this guard wraps. */
interface NativeContext {
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

/** `work` on the event loop's next turn (setImmediate): a promise of what it returns (a promise it returns is followed), rejected with what it throws. */
function onNextTurn<T>(work: () => T | Promise<T>): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(work());
      } catch (err) {
        reject(err);
      }
    }),
  );
}

/** What the guard of one native context knows (serializeFirstSampleAfterDecode). */
interface Guard {
  /** The on-thread module, for a context decoding on its JavaScript thread. */
  onThread?: OnThread;
  /** How many decodes and samples ran on the JavaScript thread, and how many of them in steps (onThreadCounts). */
  use: OnThreadCounts;
  /** Who is told when each batch decode has finished (afterEachDecode). */
  listeners: Set<() => void>;
  /** Decodes and samples handed to the addon's worker threads and not yet settled: while one runs, the context's logits are theirs. */
  workers: number;
  /** The sampler and the token of the only sample since the last decode, when it ran on this thread (loneSampler). */
  lone?: { sampler: object; token: number };
  /** Samples since the last decode. */
  samples: number;
  /** Called after a step (stepOnThread) decoded and sampled on this thread: the sampling state a decode resets. */
  stepped(sampler: object, token: number): void;
}

const guards = new WeakMap<object, Guard>();
const nativeOf = (context: LlamaContext) => (context as unknown as { _ctx?: NativeContext })._ctx;

/**
 * The most tokens a batch decoded on the JavaScript thread may hold: one token
 * for each of a runner's sequences (8 is serve's most common --parallel; 32
 * leaves room for a short prompt joining them). A prompt's batch stays on
 * libuv's worker, so the event loop is never held for longer than a few
 * decodes of single tokens (the bench model: 8 tokens in about 30 ms).
 */
export const ON_THREAD_MAX_TOKENS = 32;

/** The errors node-llama-cpp's addon gives for llama_decode's statuses (llama/addon/AddonContext.cpp, AddonContextDecodeBatchWorker). */
function decodeFailure(status: number): Error {
  return new Error(status === 1 ? "could not find a KV slot for the batch (try reducing the size of the batch or increase the context)" : "Eval has failed");
}

/**
 * How many decodes and samples of `context` ran on the JavaScript thread, and how many of those were a step's
 * (stepOnThread: one decode and one sample each, counted in both); undefined when it was not set up to
 * (serializeFirstSampleAfterDecode's onThread).
 */
export function onThreadCounts(context: LlamaContext): OnThreadCounts | undefined {
  const native = nativeOf(context);
  const guard = native ? guards.get(native) : undefined;
  return guard?.onThread ? { ...guard.use } : undefined;
}

/**
 * Calls `listener` each time a batch decode on `context` finishes (its compute
 * threads are then idle until the next one is queued), before node-llama-cpp
 * samples from it; returns a function that removes it. The runner writes its
 * tokens to the server at these moments (see child.ts). Needs
 * serializeFirstSampleAfterDecode to have wrapped the context (openModel does);
 * a context it could not wrap tells nobody.
 */
export function afterEachDecode(context: LlamaContext, listener: () => void): () => void {
  const native = nativeOf(context);
  const set = native ? guards.get(native)?.listeners : undefined;
  if (!set) return () => undefined;
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Makes the first token sampled after each batch decode run alone, before the
 * other sequences of that batch sample theirs (on libuv's worker threads, at once).
 *
 * Why: llama.cpp may split a batch of several sequences into micro-batches in
 * another order than the batch's (split_equal takes consecutive sequence ids
 * only), and then keeps the output rows in that order and records the swaps
 * that would restore the batch's order; it applies them lazily, in
 * `llama_context::output_reorder()`, called by every `llama_get_logits_ith`
 * (llama.cpp src/llama-context.cpp, `output_swaps`). That is not thread-safe:
 * node-llama-cpp samples each sequence of a batch in its own AsyncWorker, so two
 * of them could apply the same swaps at once, and a row swapped twice stays
 * unswapped: a sequence samples from another sequence's logits. With the
 * oracle model, whose next token depends on the input token alone, that showed
 * as two batched requests exchanging a token (" the lazy The quick brown").
 * After the first sample the swaps are applied and cleared, so the rest may
 * run together as before.
 *
 * With `onThread` (a runner's model: openModel's decodeOnThread), a decode of
 * at most ON_THREAD_MAX_TOKENS tokens and every sample without probabilities
 * run on the JavaScript thread instead, through the on-thread module
 * (src/runtime/on-thread.ts), and answer settled promises. Those samples run
 * one at a time by construction; a sample the module leaves to the addon
 * (probabilities asked for) is ordered as above, and once one is on a worker,
 * the rest of that decode's samples follow it there.
 */
export function serializeFirstSampleAfterDecode(context: LlamaContext, onThread?: OnThread): void {
  const native = nativeOf(context);
  if (!native || typeof native.decodeBatch !== "function" || typeof native.sampleToken !== "function" || guards.has(native)) return;
  const use: OnThreadCounts = { decodes: 0, samples: 0, steps: 0 };
  const listeners = new Set<() => void>();
  const tell = () => {
    for (const fn of listeners) fn();
  };
  const decodeBatch = native.decodeBatch.bind(native);
  const sampleToken = native.sampleToken.bind(native);
  /** Set by a decode, until the first sample after it has read the logits (and so reordered them). */
  let reordering: Promise<unknown> | undefined;
  let fresh = false;
  /** Whether a sample since the last decode went to a libuv worker: the rest follow it there. */
  let onWorker = false;
  const guard: Guard = {
    ...(onThread ? { onThread } : {}),
    use,
    listeners,
    workers: 0,
    samples: 0,
    stepped(sampler, token) {
      fresh = false;
      reordering = undefined;
      onWorker = false;
      guard.samples = 1;
      guard.lone = { sampler, token };
      use.decodes++;
      use.samples++;
      use.steps++;
      tell();
    },
  };
  guards.set(native, guard);
  /** A call handed to the addon's worker: counted until it settles. */
  const onAddonWorker = (call: Promise<unknown>): Promise<unknown> => {
    guard.workers++;
    const settled = () => void guard.workers--;
    call.then(settled, settled);
    return call;
  };
  /**
   * The decode on this thread, on the event loop's next turn (setImmediate): the loop must turn between tokens, for what
   * the runner writes (the outbox) and reads (a cancel), and a decode that settled at once would let node-llama-cpp run a
   * whole answer in microtasks (its dispatcher decodes again without yielding while decodes are queued). A batch the
   * module leaves to the addon (a prompt of more than ON_THREAD_MAX_TOKENS) goes to its worker from there.
   */
  const decodeHere = (args: unknown[]): Promise<unknown> =>
    onNextTurn(() => {
      const status = onThread!.decode(native, ON_THREAD_MAX_TOKENS);
      if (status === undefined) return onAddonWorker(decodeBatch(...args));
      use.decodes++;
      if (status !== 0) throw decodeFailure(status);
      return undefined;
    });
  // The addon's methods are read-only on its prototype: own properties shadow them.
  const own = (name: keyof NativeContext, value: NativeContext[keyof NativeContext]) => Object.defineProperty(native, name, { value, configurable: true });
  own("decodeBatch", (...args) => {
    fresh = true;
    reordering = undefined;
    onWorker = false;
    guard.samples = 0;
    guard.lone = undefined;
    const decoded = onThread ? decodeHere(args) : onAddonWorker(decodeBatch(...args));
    // Registered before node-llama-cpp's own continuation, so it runs first, as the decode resolves.
    if (listeners.size > 0) decoded.then(tell, () => undefined);
    return decoded;
  });
  own("sampleToken", (...args) => {
    if (onThread && !onWorker && args.length === 2 && typeof args[0] === "number" && typeof args[1] === "object" && args[1] !== null) {
      let token: number | undefined;
      try {
        token = onThread.sample(native, args[0], args[1]);
      } catch (err) {
        return Promise.reject(err);
      }
      if (token !== undefined) {
        // It read the logits here, so any reordering is done.
        fresh = false;
        use.samples++;
        guard.lone = guard.samples === 0 ? { sampler: args[1], token } : undefined;
        guard.samples++;
        return Promise.resolve(token);
      }
    }
    onWorker = true;
    guard.samples++;
    guard.lone = undefined;
    if (fresh) {
      fresh = false;
      const first = onAddonWorker(sampleToken(...args));
      reordering = first.catch(() => undefined);
      return first;
    }
    if (reordering) return onAddonWorker(reordering.then(() => sampleToken(...args)));
    return onAddonWorker(sampleToken(...args));
  });
}

/**
 * The sampler of the only sample taken from `context`'s logits since its last
 * decode, when that sample ran on this thread and gave `token`; else
 * undefined. A generation alone on its context (Lockstep) learns from it
 * which of node-llama-cpp's samplers is its own (the one its evaluate created),
 * so that stepOnThread samples with the same chain, penalties and history.
 */
export function loneSampler(context: LlamaContext, token: Token): object | undefined {
  const native = nativeOf(context);
  const lone = native ? guards.get(native)?.lone : undefined;
  return lone && lone.token === token ? lone.sampler : undefined;
}

/** The internals of node-llama-cpp's LlamaContextSequence that a step keeps as its own decode would (LlamaContextSequence._decodeTokens). */
interface SequenceState {
  _sequenceId: number;
  _nextTokenIndex: number;
  _contextTokens: Token[];
  _loadedTokenPredictions: unknown[];
  _disposed: boolean;
  tokenMeter: TokenMeter;
}
interface ContextState {
  _disposed: boolean;
  _backendContextDisposeGuard: { createPreventDisposalHandle(): { dispose(): void } };
}

/** Whether node-llama-cpp's internals have the shapes a step reads and writes (those of the pinned version). */
function knownShapes(seq: SequenceState, ctx: ContextState): boolean {
  return (
    typeof seq._sequenceId === "number" &&
    typeof seq._nextTokenIndex === "number" &&
    Array.isArray(seq._contextTokens) &&
    Array.isArray(seq._loadedTokenPredictions) &&
    typeof ctx._backendContextDisposeGuard?.createPreventDisposalHandle === "function"
  );
}

/**
 * One token of a generation alone on its context, without node-llama-cpp's
 * dispatcher: `token` (the last one sampled) decoded as the next of
 * `sequence` and the token after it sampled with `sampler` (loneSampler), both
 * on this thread through the on-thread module's `step`, on the event loop's
 * next turn (as decodeHere: the loop turns between tokens). The sequence's
 * state advances as node-llama-cpp's own decode advances it (next token index,
 * context tokens, token meter), so its evaluate goes on from there when handed
 * the sampled token. Resolves to that token (null: the logits gave none), or to
 * undefined, having done nothing, when the step cannot be taken at that turn: no
 * module, a decode or sample of another sequence on an addon worker (its
 * logits), a disposed sequence or context, a predicted token loaded, or a full
 * context (node-llama-cpp shifts it). Rejects with the addon's error when the
 * decode fails.
 *
 * Why (docs/decisions.md, "One stream steps on the runner's thread"): per
 * token, node-llama-cpp's evaluate runs its dispatcher (a setImmediate, two
 * locks, a dispose guard, a batch built in JavaScript, a thread allocation,
 * promise chains for the decode and the sample): about 0.65 ms of JavaScript
 * per token on this machine, where llama-server's loop spends about 0.3.
 */
export function stepOnThread(context: LlamaContext, sequence: LlamaContextSequence, sampler: object, token: Token): Promise<Token | null | undefined> {
  const native = nativeOf(context);
  const guard = native ? guards.get(native) : undefined;
  const step = guard?.onThread?.step;
  if (!native || !guard || !step) return Promise.resolve(undefined);
  const seq = sequence as unknown as SequenceState;
  const ctx = context as unknown as ContextState;
  return onNextTurn(() => {
    if (guard.workers > 0 || !knownShapes(seq, ctx) || ctx._disposed || seq._disposed || seq._loadedTokenPredictions.length > 0 || context.contextSize - 1 - seq._nextTokenIndex <= 0) return undefined;
    let handle: { dispose(): void };
    try {
      handle = ctx._backendContextDisposeGuard.createPreventDisposalHandle();
    } catch {
      return undefined; // being disposed: node-llama-cpp's evaluate reports it
    }
    let next: number | undefined;
    try {
      next = step.call(guard.onThread, native, seq._sequenceId, sampler, seq._nextTokenIndex, token);
    } finally {
      handle.dispose();
    }
    if (next === undefined) return undefined;
    seq._nextTokenIndex += 1;
    seq._contextTokens = seq._contextTokens.concat(token);
    TokenMeter.useTokens(seq.tokenMeter, 1, "output");
    guard.stepped(sampler, next);
    return next === -1 ? null : (next as Token);
  });
}
