import { DivergenceMeter, type Divergence } from "./divergence.js";

/**
 * What compare needs from a model loaded for scoring: the runtime's
 * `TokenScorer` (src/runtime/token-scorer.ts) fits. Declared structurally so
 * eval depends on the contract, not on node-llama-cpp.
 */
export interface TextScorer {
  readonly contextSize: number;
  readonly window: number;
  tokenize(text: string): number[];
  distributions(tokens: readonly number[], onToken: (i: number, probs: Float32Array) => void): Promise<void>;
  close(): Promise<void>;
}

/** Loads a GGUF for scoring; `contextSize` when the windows must match another model's. */
export type OpenScorer = (modelPath: string, options: { contextSize?: number }) => Promise<TextScorer>;

/** Tokens of the text compared, at most: enough for a stable mean, bounded time and memory (the base's distributions are kept). */
export const COMPARE_MAX_TOKENS = 1024;

/**
 * The base model's next-token distributions over a text, kept in memory
 * (positions × vocabulary float32) to compare variants with, one variant
 * loaded at a time. The text's first COMPARE_MAX_TOKENS tokens (the base's
 * tokenizer; variants share it) are cut into windows of the base's scoring
 * window, each evaluated from an empty state, so every model sees exactly the
 * same token sequences.
 */
export class ReferenceDistributions {
  private constructor(
    readonly contextSize: number,
    private readonly windows: number[][],
    private readonly probs: Float32Array[][],
  ) {}

  /** Scores `text` with `base` (which the caller closes). */
  static async of(base: TextScorer, text: string, maxTokens = COMPARE_MAX_TOKENS): Promise<ReferenceDistributions> {
    const tokens = base.tokenize(text).slice(0, maxTokens);
    const windows: number[][] = [];
    for (let i = 0; i < tokens.length; i += base.window) windows.push(tokens.slice(i, i + base.window));
    const probs: Float32Array[][] = [];
    for (const w of windows) {
      const rows: Float32Array[] = [];
      await base.distributions(w, (i, p) => void (rows[i] = p));
      probs.push(rows);
    }
    return new ReferenceDistributions(base.contextSize, windows, probs);
  }

  /** Positions scored: the tokens of the text the base predicted. */
  get positions(): number {
    return this.probs.reduce((n, rows) => n + rows.filter(Boolean).length, 0);
  }

  /** Tokens of the text used. */
  get tokens(): number {
    return this.windows.reduce((n, w) => n + w.length, 0);
  }

  /** Mean KL(base || variant) and top-1 agreement over every position the base scored. */
  async compare(variant: TextScorer): Promise<Divergence> {
    const meter = new DivergenceMeter();
    for (let w = 0; w < this.windows.length; w++) {
      const rows = this.probs[w]!;
      await variant.distributions(this.windows[w]!, (i, q) => {
        const p = rows[i];
        if (p) meter.add(p, q);
      });
    }
    return meter.result();
  }
}
