import type { LlamaContext } from "node-llama-cpp";
import type { OnThread } from "./on-thread.js";

/** The two methods of node-llama-cpp's native context (`LlamaContext._ctx`, internal) that this guard wraps. */
interface NativeContext {
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

const guarded = new WeakSet<object>();
/** Per native context decoding on its JavaScript thread: how many decodes and samples went that way (onThreadCounts). */
const onThreadUse = new WeakMap<object, { decodes: number; samples: number }>();

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

/** How many decodes and samples of `context` ran on the JavaScript thread; undefined when it was not set up to (serializeFirstSampleAfterDecode's onThread). */
export function onThreadCounts(context: LlamaContext): { decodes: number; samples: number } | undefined {
  const native = (context as unknown as { _ctx?: object })._ctx;
  const use = native ? onThreadUse.get(native) : undefined;
  return use ? { ...use } : undefined;
}
/** Per native context: who is told when each batch decode has finished (afterEachDecode). */
const decodeListeners = new WeakMap<object, Set<() => void>>();

/**
 * Calls `listener` each time a batch decode on `context` finishes (its compute
 * threads are then idle until the next one is queued), before node-llama-cpp
 * samples from it; returns a function that removes it. The runner writes its
 * tokens to the server at these moments (see child.ts). Needs
 * serializeFirstSampleAfterDecode to have wrapped the context (openModel does);
 * a context it could not wrap tells nobody.
 */
export function afterEachDecode(context: LlamaContext, listener: () => void): () => void {
  const native = (context as unknown as { _ctx?: NativeContext })._ctx;
  const set = native ? decodeListeners.get(native) : undefined;
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
  const native = (context as unknown as { _ctx?: NativeContext })._ctx;
  if (!native || typeof native.decodeBatch !== "function" || typeof native.sampleToken !== "function" || guarded.has(native)) return;
  guarded.add(native);
  const listeners = new Set<() => void>();
  decodeListeners.set(native, listeners);
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
  const use = { decodes: 0, samples: 0 };
  if (onThread) onThreadUse.set(native, use);
  /**
   * The decode on this thread, on the event loop's next turn (setImmediate): the loop must turn between tokens, for what
   * the runner writes (the outbox) and reads (a cancel), and a decode that settled at once would let node-llama-cpp run a
   * whole answer in microtasks (its dispatcher decodes again without yielding while decodes are queued). A batch the
   * module leaves to the addon (a prompt of more than ON_THREAD_MAX_TOKENS) goes to its worker from there.
   */
  const decodeHere = (args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      setImmediate(() => {
        let status: number | undefined;
        try {
          status = onThread!.decode(native, ON_THREAD_MAX_TOKENS);
        } catch (err) {
          reject(err);
          return;
        }
        if (status === undefined) {
          decodeBatch(...args).then(resolve, reject);
          return;
        }
        use.decodes++;
        if (status === 0) resolve(undefined);
        else reject(decodeFailure(status));
      });
    });
  // The addon's methods are read-only on its prototype: own properties shadow them.
  const own = (name: keyof NativeContext, value: NativeContext[keyof NativeContext]) => Object.defineProperty(native, name, { value, configurable: true });
  own("decodeBatch", (...args) => {
    fresh = true;
    reordering = undefined;
    onWorker = false;
    const decoded = onThread ? decodeHere(args) : decodeBatch(...args);
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
        return Promise.resolve(token);
      }
    }
    onWorker = true;
    if (fresh) {
      fresh = false;
      const first = sampleToken(...args);
      reordering = first.catch(() => undefined);
      return first;
    }
    if (reordering) return reordering.then(() => sampleToken(...args));
    return sampleToken(...args);
  });
}
