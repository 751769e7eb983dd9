/**
 * What the runner needs from a loaded model: the part of the runtime's
 * `RuntimeModel` (src/runtime) that tests use. Declared here structurally so
 * that eval depends on the contract, not on the runtime's internals; any
 * RuntimeModel satisfies it.
 */
export interface EvalChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface EvalRequest {
  messages?: EvalChatMessage[];
  prompt?: string;
  raw?: boolean;
  options?: Record<string, unknown>;
  /** Ask for each generated token's log-probability (perplexity assertions). */
  logprobs?: boolean;
  signal?: AbortSignal;
}

export interface EvalGeneration {
  text: string;
  finishReason: "stop" | "length" | "abort";
  promptTokens: number;
  completionTokens: number;
  /** When asked for: the natural-log probability of each generated token. */
  logprobs?: number[];
}

export interface EvalModel {
  readonly name: string;
  /** `sha256:...` of the built manifest: part of the cache key. */
  readonly manifestDigest: string;
  /** e.g. `llama.cpp/cpu`: part of the cache key. */
  readonly backend: string;
  /** Safe to call concurrently. */
  generate(req: EvalRequest): Promise<EvalGeneration>;
}
