import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { OllamaTool, OllamaToolCall } from "../gotemplate/index.js";
import type { EmbedOptions, EmbedResult } from "./embed.js";

/** The runtime contract shared by `run`, `test` (eval), `serve` and `watch`. */
export interface ChatMessage {
  /** "tool": a tool's result (Ollama's `role: tool`), for a TEMPLATE's `.ToolName`/`.Content`. */
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** An assistant message's thinking trace (Ollama's `thinking`), for a TEMPLATE's `.Thinking`. */
  thinking?: string;
  /** An assistant message's tool calls (Ollama's `tool_calls`), for a TEMPLATE's `.ToolCalls`. */
  tool_calls?: OllamaToolCall[];
  /** A tool message's tool (Ollama's `tool_name`) and the call it answers (`tool_call_id`). */
  tool_name?: string;
  tool_call_id?: string;
}

export interface GenerateRequest {
  /** Chat form: the history after the Modelfile's MESSAGEs; the Modelfile SYSTEM applies unless a system message is given. */
  messages?: ChatMessage[];
  /** Completion form: one user prompt (rendered through the model's TEMPLATE like `ollama run m "prompt"`). */
  prompt?: string;
  /** Raw: send `prompt` without any template (Ollama's `raw: true`). */
  raw?: boolean;
  /** Ollama option names (temperature, top_k, num_predict, seed, stop, ...) overriding the Modelfile's PARAMETERs. */
  options?: Record<string, unknown>;
  /** Ollama's `tools`: the TEMPLATE sees them as `.Tools` (the GGUF's chat template as `tools`). */
  tools?: OllamaTool[];
  /** Overrides the Modelfile's FORMAT: "json" or a JSON Schema object. */
  format?: "json" | object;
  /** Ollama's `think`: the template sees `.Think` (true for a level too), `.ThinkLevel` and `.IsThinkSet` (true once given). */
  think?: boolean | "high" | "medium" | "low" | "max";
  /** Ollama's `context` (token ids a previous answer returned): detokenized and put before the rendered prompt; the Modelfile's MESSAGEs are then left out, as Ollama does. */
  context?: number[];
  /** Return `logprobs`: each generated token's log-probability (see generatedLogprobs); costs one batch evaluation of the answer. */
  logprobs?: boolean;
  signal?: AbortSignal;
  onToken?: (text: string) => void;
  /**
   * serve only (with `onToken`): the client's connection may be handed to the
   * model's runner, which then writes every later piece itself, in the bytes
   * `frame` gives (src/serve/runner/frames.ts). A model in this process
   * ignores it: every piece goes to onToken.
   */
  handoff?: StreamHandoff;
}

/** A streamed answer's connection, offered to a runner (docs/decisions.md, "A runner writes its stream to the client itself"). */
export interface StreamHandoff {
  /** The bytes of one piece's chunk: literal parts, with 0 for the piece and 1 for the time, each as a JSON string. */
  frame: { parts: Array<string | 0 | 1>; skipEmpty: boolean };
  /** Once the pieces given to onToken so far are written: the connection's file descriptor, or undefined when it cannot be handed over now. */
  take(): Promise<number | undefined>;
  /** The runner died holding the connection while it was backed up: what it wrote may end mid-chunk, so the connection is closed. */
  lost(): void;
}

export interface GenerateResult {
  text: string;
  finishReason: "stop" | "length" | "abort";
  promptTokens: number;
  completionTokens: number;
  /** Token ids of the rendered prompt (without BOS) and the answer, tokenized again as Ollama does for `context`; absent for a raw request. */
  context?: number[];
  /**
   * When asked for (`logprobs: true`): the natural log of the probability of
   * each sampled token (one per completion token) under the model's raw
   * distribution; absent when the prompt and the answer no longer fit the
   * context together.
   */
  logprobs?: number[];
  /** Ollama's figures, in nanoseconds like Ollama's API: load_duration, prompt_eval_duration, eval_duration, total_duration. */
  timings: { loadNs: number; promptEvalNs: number; evalNs: number; totalNs: number };
}

/** Decodes and samples that ran on a model's JavaScript thread (sample-guard.ts), and how many of them were steps of a generation alone (stepOnThread: one decode and one sample each, counted in both). */
export interface OnThreadCounts {
  decodes: number;
  samples: number;
  steps: number;
}

export interface RuntimeModel {
  /** e.g. "code-assistant:latest" (Ollama's shortest display form). */
  readonly name: string;
  /** sha256:... of the manifest's bytes. */
  readonly manifestDigest: string;
  /** e.g. "llama.cpp/cpu": part of the eval cache key. */
  readonly backend: string;
  /** What the load holds, as Ollama's `/api/ps` tells it; absent when not known. */
  readonly footprint?: ModelFootprint;
  /** Safe to call concurrently: each call takes a free sequence of one shared context (up to `parallel`). */
  generate(req: GenerateRequest): Promise<GenerateResult>;
  /** Embeddings of `inputs` (see ModelEmbedder): one vector each, not normalized. */
  embed?(inputs: readonly string[], options?: EmbedOptions): Promise<EmbedResult>;
  /** Calls `listener` each time a batch decode finishes (the compute threads idle until the next); returns its remover. In-process models only. */
  afterEachDecode?(listener: () => void): () => void;
  /** How many decodes and samples ran on the JavaScript thread (openModel's decodeOnThread); undefined when the model does not decode there. */
  onThreadCounts?(): OnThreadCounts | undefined;
  close(): Promise<void>;
}

/**
 * A loaded model's context and memory, as `/api/ps` answers them (Ollama's
 * ProcessModelResponse: context_length, size, size_vram).
 */
export interface ModelFootprint {
  /** Tokens of context per sequence (num_ctx as loaded). */
  contextLength: number;
  /** Bytes the load holds: the weights as llama.cpp loaded them (LlamaModel.size) and node-llama-cpp's estimate of the context (KV cache, compute buffers). */
  size: number;
  /** Of `size`, the bytes on the GPU: node-llama-cpp's estimate for the layers it offloaded and their context (0 on the CPU). */
  sizeVram: number;
}

export interface OpenModelOptions {
  /** Sequences of the shared context, i.e. generations that run at once; default 1. */
  parallel?: number;
  /** CPU threads; default: PARAMETER num_thread, else min(4, the machine's math cores). */
  threads?: number;
  /** Context size in tokens per sequence; default: PARAMETER num_ctx, else Ollama's 4096 capped at the model's training context. */
  contextSize?: number;
  /** Where warnings go (each told once per model): default stderr. */
  onWarning?: (warning: Diagnostic) => void;
}
