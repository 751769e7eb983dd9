import type { LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { error, InputError } from "../diagnostics/index.js";

export interface EmbedOptions {
  /** Ollama's `truncate` (default true): an input longer than the context is cut to fit; false makes it InputError MS8710. */
  truncate?: boolean;
}

export interface EmbedResult {
  /** One vector per input, as the model gives it (not normalized: Ollama's /api/embed normalizes, /api/embeddings does not). */
  embeddings: number[][];
  /** Tokens evaluated, BOS and EOS included, over all inputs (Ollama's prompt_eval_count). */
  promptTokens: number;
}

/**
 * Embeddings of a loaded model through node-llama-cpp's embedding context,
 * made on the first call and kept (one sequence: calls run one at a time).
 * The context is one token larger than the model's num_ctx: node-llama-cpp
 * wants an input shorter than its context, Ollama lets one fill num_ctx.
 */
export class ModelEmbedder {
  private context: Promise<LlamaEmbeddingContext> | undefined;

  constructor(
    private readonly model: LlamaModel,
    /** Ollama's limit: min(num_ctx, the model's training context). */
    private readonly contextSize: number,
    private readonly threads: number,
  ) {}

  /**
   * Ollama's EmbedHandler: each input is tokenized; the limit is the context
   * less one for the BOS and one for the EOS the tokenizer adds; longer input
   * is cut to the limit (detokenized, then embedded) unless `truncate` is false.
   * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L867-L955
   */
  async embed(inputs: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    const context = await (this.context ??= this.model.createEmbeddingContext({ contextSize: this.contextSize + 1, threads: this.threads }));
    const t = this.model.tokens;
    const embeddings: number[][] = [];
    let promptTokens = 0;
    for (const text of inputs) {
      let tokens: Token[] = this.model.tokenize(text, false);
      let limit = this.contextSize;
      if (tokens.length > 0 && t.shouldPrependBosToken && tokens[0] !== t.bos) limit--;
      if (tokens.length > 0 && t.shouldAppendEosToken && tokens[tokens.length - 1] !== t.eos) limit--;
      if (tokens.length > limit) {
        if (options.truncate === false) {
          throw new InputError(
            error("MS8710", "the input length exceeds the context length", { hint: `the input has ${tokens.length} tokens, the model's context ${this.contextSize}: shorten it, raise num_ctx, or leave truncate on` }),
          );
        }
        tokens = tokens.slice(0, Math.max(0, limit));
      }
      const embedding = await context.getEmbeddingFor(tokens);
      embeddings.push([...embedding.vector]);
      promptTokens += tokens.length === 0 ? 0 : context.calculateInputLength(tokens);
    }
    return { embeddings, promptTokens };
  }

  async close(): Promise<void> {
    const c = this.context;
    this.context = undefined;
    if (c) await (await c.catch(() => undefined))?.dispose();
  }
}
