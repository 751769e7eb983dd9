/**
 * Keeps the generations on one context's sequences in step, one token each per
 * round, so that node-llama-cpp decodes their next tokens in one batch.
 *
 * Why: node-llama-cpp's dispatcher decodes whatever is queued when it runs.
 * After a batch, each sequence samples its token on a worker thread and queues
 * its next decode when that sampling returns, at its own moment, so a batch
 * rarely holds every sequence: four sequences drifted into batches of three
 * (32 cases on 2 cores: 328 batches of three at 26 ms, 9.5 s; in lockstep,
 * 233 batches of four at 22 ms, 6.6 s; one token alone takes 12 ms).
 *
 * Protocol: a generation calls `join` before queueing its first decode, then
 * `arrive` after each token it has taken and before asking for the next, and
 * `leave` once it is done (finished, stopped or failed). A round ends when
 * every running generation has arrived or left; then all waiting generations
 * (joiners included) go on together, on the next turn of the event loop, so
 * their decodes are queued in one burst after the dispatcher has finished
 * with the previous batch. A generation alone never waits, and those that
 * join in the same turn of the event loop as one that started alone start
 * with it: node-llama-cpp dispatches a batch on the next turn, so their
 * prompts go in that one batch (a runner starts the requests that arrive
 * together in one turn: docs/decisions.md, "Requests that arrive together
 * start together").
 */
export class Lockstep {
  /** Generations inside llama.cpp: queued, decoding or sampling. */
  private running = 0;
  /** Waiting generations, each with its sequence id (the order their decodes are queued in when released). */
  private waiting: Array<{ order: number; resolve: () => void }> = [];
  private releaseScheduled = false;
  /** Generations started alone this turn, their first decodes not yet dispatched: a joiner in this turn starts with them. */
  private fresh = false;

  /**
   * Resolves when the generation may queue its first decode (at the next round
   * when others are running). `order`: its sequence id (see releaseIfDone).
   */
  join(order = 0): Promise<void> | void {
    if (this.fresh || (this.running === 0 && this.waiting.length === 0)) {
      this.running++;
      if (!this.fresh) {
        this.fresh = true;
        setImmediate(() => (this.fresh = false));
      }
      return;
    }
    return this.wait(order);
  }

  /** Resolves when the round ends: every other running generation has arrived or left. */
  arrive(order = 0): Promise<void> | void {
    this.running--;
    if (this.running === 0 && this.waiting.length === 0) {
      // Alone: nobody to batch with.
      this.running++;
      return;
    }
    const p = this.wait(order);
    this.releaseIfDone();
    return p;
  }

  /** Whether the caller, running, is the only generation here: none other running or waiting to join. */
  alone(): boolean {
    return this.running === 1 && this.waiting.length === 0;
  }

  /** The generation is done; the round may end without it. */
  leave(): void {
    this.running--;
    this.releaseIfDone();
  }

  private wait(order: number): Promise<void> {
    return new Promise<void>((resolve) => this.waiting.push({ order, resolve }));
  }

  private releaseIfDone(): void {
    if (this.running > 0 || this.waiting.length === 0 || this.releaseScheduled) return;
    this.releaseScheduled = true;
    // The next turn of the event loop: the dispatcher's loop over the batch
    // just decoded checks its queue in microtasks, and must find it empty.
    setImmediate(() => {
      this.releaseScheduled = false;
      // By sequence id: each goes on to queue its decode in the order it is
      // resumed, and that order is the batch's. llama.cpp splits a batch of a
      // non-unified KV cache into micro-batches of consecutive increasing
      // sequence ids in batch order (split_equal, sequential), so ids 3, 2, 1, 0
      // were four graph computes where 0, 1, 2, 3 is one.
      const go = this.waiting.sort((a, b) => a.order - b.order);
      this.waiting = [];
      this.running += go.length;
      for (const w of go) w.resolve();
    });
  }
}
