/**
 * Ollama's stop sequences over streamed text: text that contains a stop
 * sequence is cut right before it and generation ends; text that ends with the
 * beginning of a stop sequence is held back until the next chunk tells whether
 * the stop follows. Neither the stop sequence nor anything after it is emitted.
 */
export class StopScanner {
  private held = "";

  constructor(private readonly stops: readonly string[]) {}

  /** Adds a chunk; returns the text now safe to emit, and whether a stop sequence was found. */
  push(chunk: string): { emit: string; stopped: boolean } {
    const text = this.held + chunk;
    let cut = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.held = "";
      return { emit: text.slice(0, cut), stopped: true };
    }
    const keep = this.partialStopLength(text);
    this.held = text.slice(text.length - keep);
    return { emit: text.slice(0, text.length - keep), stopped: false };
  }

  /** What is still held back, at the end of generation without a stop. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  /** Length of the longest end of `text` that begins some stop sequence. */
  private partialStopLength(text: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
        if (text.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
