import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";

/**
 * The sequences of one context, lent to one generation at a time. A returned
 * sequence keeps its state, so the next generation reuses the longest common
 * prefix of tokens (a chat re-sends its history). Waiters are served in order.
 */
export class SequencePool {
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Array<(s: LlamaContextSequence) => void> = [];

  constructor(private readonly context: LlamaContext) {}

  async acquire(): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    if (s) return s;
    if (this.context.sequencesLeft > 0) return this.context.getSequence();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(s: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) next(s);
    else this.free.push(s);
  }
}
