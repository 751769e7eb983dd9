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

  /**
   * The free sequence with the lowest id, else a new one (ids count up from 0),
   * so the sequences in use stay a run of consecutive ids: llama.cpp decodes a
   * batch of consecutive ids in one micro-batch and splits it at every gap
   * (see Lockstep's release order).
   */
  async acquire(): Promise<LlamaContextSequence> {
    if (this.free.length > 0) {
      let at = 0;
      for (let i = 1; i < this.free.length; i++) if (sequenceIdOf(this.free[i]!) < sequenceIdOf(this.free[at]!)) at = i;
      return this.free.splice(at, 1)[0]!;
    }
    if (this.context.sequencesLeft > 0) return this.context.getSequence();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(s: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) next(s);
    else this.free.push(s);
  }
}

/** A sequence's id in its context (node-llama-cpp's internal `_sequenceId`; 0 if it ever goes). */
export function sequenceIdOf(s: LlamaContextSequence): number {
  const id = (s as unknown as { _sequenceId?: unknown })._sequenceId;
  return typeof id === "number" ? id : 0;
}
