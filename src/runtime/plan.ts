import { LOAD_OPTIONS, OLLAMA_DEFAULT_NUM_CTX, OLLAMA_DEFAULTS, type OptionMap } from "./options.js";

/** A parameter that has no effect here, and why; the runtime warns once per model and name. */
export interface NotHonoured {
  name: string;
  why: string;
}

/** What the model is loaded with (Ollama's api.Runner options mapped to node-llama-cpp). */
export interface LoadPlan {
  /** Tokens per sequence. */
  contextSize: number;
  batchSize: number;
  threads: number;
  /** loadModel's gpuLayers: "auto" for num_gpu -1. */
  gpuLayers: number | "auto";
  /** undefined: node-llama-cpp's default (mmap where supported). */
  useMmap: boolean | undefined;
  notHonoured: NotHonoured[];
}

export interface LoadInputs {
  /** The model's PARAMETERs, typed. */
  params: OptionMap;
  /** OpenModelOptions: they win over PARAMETERs. */
  contextSize?: number;
  threads?: number;
  /** The model's training context (GGUF `<arch>.context_length`); 0 when unknown. */
  trainContextSize: number;
  /** Whether the backend has a GPU. */
  gpu: boolean;
  /** The thread count when neither the options nor num_thread say (runtime's defaultThreads); else from cpuCores. */
  defaultThreads?: number;
  /** CPU math cores, for the default thread count. */
  cpuCores: number;
}

/**
 * The load settings, by precedence: OpenModelOptions, then the model's
 * PARAMETERs, then Ollama's defaults. num_ctx defaults to 4096 capped at the
 * training context, as Ollama does; num_thread 0 means min(4, math cores)
 * (llama.cpp's own default thread pool is ~100x slower on a busy small machine);
 * num_batch is capped at the context size. On a CPU backend num_gpu > 0 and
 * main_gpu > 0 cannot be honoured.
 */
export function loadPlan(input: LoadInputs): LoadPlan {
  const p = { ...OLLAMA_DEFAULTS, ...input.params };
  const notHonoured: NotHonoured[] = [];
  const num = (k: string) => p[k] as number;
  const defaultCtx = input.trainContextSize > 0 ? Math.min(OLLAMA_DEFAULT_NUM_CTX, input.trainContextSize) : OLLAMA_DEFAULT_NUM_CTX;
  const contextSize = input.contextSize ?? (input.params.num_ctx as number | undefined) ?? defaultCtx;
  const threadsParam = num("num_thread");
  const threads = input.threads ?? (threadsParam > 0 ? threadsParam : (input.defaultThreads ?? Math.max(1, Math.min(4, input.cpuCores))));
  if (!input.gpu && num("num_gpu") > 0) notHonoured.push({ name: "num_gpu", why: "this backend has no GPU; every layer runs on the CPU" });
  if (num("main_gpu") !== 0) notHonoured.push({ name: "main_gpu", why: input.gpu ? "node-llama-cpp picks the main GPU itself" : "this backend has no GPU" });
  return {
    contextSize,
    batchSize: Math.min(num("num_batch"), contextSize),
    threads,
    gpuLayers: !input.gpu ? 0 : num("num_gpu") < 0 ? "auto" : num("num_gpu"),
    useMmap: typeof p.use_mmap === "boolean" ? p.use_mmap : undefined,
    notHonoured,
  };
}

/** How one generation samples and stops. */
export interface SamplePlan {
  /**
   * At most this many tokens, > 0 ({@link boundedNumPredict}: never unbounded; the
   * context shifts when full), or -2: until the context is full.
   */
  numPredict: number;
  /** Prompt tokens kept when the prompt is truncated or the context shifts (-1: the whole prompt). */
  numKeep: number;
  stop: string[];
  temperature: number;
  /** 0: disabled. */
  topK: number;
  topP: number;
  minP: number;
  /** undefined: a random seed (Ollama's -1). */
  seed: number | undefined;
  /** Tokens looked back for penalties; 0 disables them. */
  repeatLastN: number;
  repeatPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  notHonoured: NotHonoured[];
}

/**
 * The sampling settings of one request: Ollama's defaults, then the model's
 * PARAMETERs, then the request's options. Load-time options in a request that
 * differ from what the model was loaded with cannot be honoured (Ollama would
 * reload the model; the runtime keeps one context). repeat_last_n -1 means the
 * whole context; typical_p other than 1 has no sampler in node-llama-cpp;
 * draft_num_predict needs a draft model, which a built model does not have.
 */
export function samplePlan(params: OptionMap, request: OptionMap, loaded: LoadPlan): SamplePlan {
  const p = { ...OLLAMA_DEFAULTS, ...params, ...request };
  const num = (k: string) => p[k] as number;
  const notHonoured: NotHonoured[] = [];
  if (num("typical_p") !== 1) notHonoured.push({ name: "typical_p", why: "node-llama-cpp has no locally typical sampler" });
  if (p.draft_num_predict !== undefined) notHonoured.push({ name: "draft_num_predict", why: "a built model has no draft model" });
  for (const name of LOAD_OPTIONS) {
    if (!(name in request) || request[name] === params[name]) continue;
    const same = name === "num_ctx" ? request[name] === loaded.contextSize : name === "num_thread" ? request[name] === loaded.threads : false;
    if (!same) notHonoured.push({ name, why: "it applies when the model is loaded; the loaded model keeps its value" });
  }
  const seed = num("seed");
  const repeatLastN = num("repeat_last_n");
  return {
    // 0 is "no limit", as -1: Ollama's runner counts a limit only when num_predict > 0
    // (https://github.com/ollama/ollama/blob/bd6c1d6b49aca86dbb1a59182b293c0d1f7b8db8/runner/llamarunner/runner.go#L425);
    // boundedNumPredict then caps both at 10 × num_ctx.
    numPredict: boundedNumPredict(num("num_predict"), loaded.contextSize),
    numKeep: num("num_keep"),
    stop: (p.stop as string[]).filter((s) => s !== ""),
    temperature: num("temperature"),
    topK: num("top_k"),
    topP: num("top_p"),
    minP: num("min_p"),
    seed: seed < 0 ? undefined : seed % 2 ** 32,
    repeatLastN: repeatLastN < 0 ? loaded.contextSize : repeatLastN,
    repeatPenalty: num("repeat_penalty"),
    presencePenalty: num("presence_penalty"),
    frequencyPenalty: num("frequency_penalty"),
    notHonoured,
  };
}

/** Open-ended generations stop after this many context windows of tokens (Ollama's openEndedGenerationContextMultiplier). */
export const OPEN_ENDED_CONTEXT_MULTIPLIER = 10;

/**
 * num_predict as Ollama's runner bounds it: -1 (until EOS) and anything above
 * 10 x num_ctx become 10 x num_ctx, so that a model that never emits EOS (or a
 * grammar that never ends) still stops, with finish reason "length". 0, which
 * Ollama's own runner took as "no limit", is open-ended too. -2 (fill the
 * context) is kept: it ends when the context is full, below that cap.
 */
export function boundedNumPredict(numPredict: number, contextSize: number): number {
  if (numPredict === -2) return numPredict;
  const limit = OPEN_ENDED_CONTEXT_MULTIPLIER * contextSize;
  return numPredict <= 0 || numPredict > limit ? limit : numPredict;
}
