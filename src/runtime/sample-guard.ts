import type { LlamaContext } from "node-llama-cpp";

/** The two methods of node-llama-cpp's native context (`LlamaContext._ctx`, internal) that this guard wraps. */
interface NativeContext {
  decodeBatch(...args: unknown[]): Promise<unknown>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

const guarded = new WeakSet<object>();
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
 */
export function serializeFirstSampleAfterDecode(context: LlamaContext): void {
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
  // The addon's methods are read-only on its prototype: own properties shadow them.
  const own = (name: keyof NativeContext, value: NativeContext[keyof NativeContext]) => Object.defineProperty(native, name, { value, configurable: true });
  own("decodeBatch", (...args) => {
    fresh = true;
    reordering = undefined;
    const decoded = decodeBatch(...args);
    // Registered before node-llama-cpp's own continuation, so it runs first, as the decode resolves.
    if (listeners.size > 0) decoded.then(tell, () => undefined);
    return decoded;
  });
  own("sampleToken", (...args) => {
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
