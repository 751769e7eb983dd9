import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { EnvironmentError, error } from "../diagnostics/index.js";
import { defaultThreads, sharedLlama, type GpuChoice } from "./llama.js";

/** How a GGUF is loaded for scoring. */
export interface TokenScorerOptions {
  /** Default "auto" (a GPU when one works). */
  gpu?: GpuChoice;
  /** CPU threads; default min(4, the machine's math cores), as the runtime's load plan. */
  threads?: number;
  /** Tokens the context holds, BOS included; default min(512, the training context). */
  contextSize?: number;
}

/**
 * A GGUF loaded to read what it predicts, not to chat: no template, no
 * parameters, no sampling. Used to compare quantized variants with the
 * weights they were made from (`modelsmith test --compare`).
 */
export interface TokenScorer {
  /** Tokens the context holds, BOS included: open another model with the same value to score the same windows. */
  readonly contextSize: number;
  /** Tokens one `distributions` call can score (the context, less the BOS when the model adds one). */
  readonly window: number;
  /** The text's tokens, without BOS or EOS, special tokens parsed as text. */
  tokenize(text: string): Token[];
  /**
   * Evaluates `tokens` (at most `window`) from an empty state, BOS first when
   * the model adds one, and calls `onToken(i, probs)` for each token i the
   * model predicts from the ones before it: every i with a BOS, every i >= 1
   * without. `probs[t]` is the probability of token id t (softmax of the raw
   * logits over the whole vocabulary: llama.cpp's greedy sampler, which
   * leaves the logits alone). `probs` is a fresh array each call.
   */
  distributions(tokens: readonly Token[], onToken: (i: number, probs: Float32Array) => void): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CONTEXT = 512;

/** Loads `modelPath` for scoring; EnvironmentError MS8004 when llama.cpp cannot load it. */
export async function openTokenScorer(modelPath: string, options: TokenScorerOptions = {}): Promise<TokenScorer> {
  const llama = await sharedLlama(options.gpu ?? "auto");
  const cannotLoad = (what: string, err: unknown) => new EnvironmentError(error("MS8004", `llama.cpp cannot load ${what} of ${modelPath}: ${(err as Error).message}`), { cause: err });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath, gpuLayers: llama.gpu === false ? 0 : "auto" });
  } catch (err) {
    throw cannotLoad("the GGUF", err);
  }
  const train = model.trainContextSize > 0 ? model.trainContextSize : DEFAULT_CONTEXT;
  const contextSize = Math.max(2, options.contextSize ?? Math.min(DEFAULT_CONTEXT, train));
  let context: LlamaContext;
  try {
    context = await model.createContext({ contextSize, sequences: 1, batchSize: contextSize, threads: options.threads ?? defaultThreads(llama) });
  } catch (err) {
    await model.dispose();
    throw cannotLoad("a context", err);
  }
  return new Scorer(model, context, context.getSequence());
}

class Scorer implements TokenScorer {
  readonly contextSize: number;
  readonly window: number;
  private readonly bos: Token | undefined;

  constructor(private readonly model: LlamaModel, private readonly context: LlamaContext, private readonly sequence: LlamaContextSequence) {
    const t = model.tokens;
    this.bos = t.shouldPrependBosToken && t.bos !== null ? t.bos : undefined;
    this.contextSize = context.contextSize;
    this.window = context.contextSize - (this.bos === undefined ? 0 : 1);
  }

  tokenize(text: string): Token[] {
    return this.model.tokenize(text, false);
  }

  async distributions(tokens: readonly Token[], onToken: (i: number, probs: Float32Array) => void): Promise<void> {
    if (tokens.length > this.window) throw new RangeError(`${tokens.length} tokens do not fit the scoring window of ${this.window}`);
    await this.sequence.clearHistory();
    const input: Token[] = this.bos === undefined ? [...tokens] : [this.bos, ...tokens];
    // The distribution after input[j] predicts input[j + 1]; the last input token predicts nothing in the text.
    const shift = this.bos === undefined ? 1 : 0;
    const want = { generateNext: { probabilities: true } } as const;
    const items = input.map((token, j) => (j < input.length - 1 ? ([token, want] as [Token, typeof want]) : token));
    await this.sequence.controlledEvaluate(items, {
      onTokenResult: (j, result) => {
        const map = result.next.probabilities;
        if (!map) return;
        const probs = new Float32Array(map.size);
        for (const [token, p] of map) probs[token] = p;
        onToken(j + shift, probs);
      },
    });
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
