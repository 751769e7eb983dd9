import type { Llama, LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { namedTemplate } from "../templates/index.js";
import { getPriority, setPriority } from "node:os";
import { EnvironmentError, InputError, ModelsmithError, error, warning, type Diagnostic } from "../diagnostics/index.js";
import { renderDiagnostic } from "../diagnostics/render.js";
import { hyperparameterProblems, readGgufFile } from "../gguf/index.js";
import { Store } from "../store/index.js";
import { ModelEmbedder, type EmbedOptions, type EmbedResult } from "./embed.js";
import { generateOnSequence } from "./generate.js";
import { GrammarCache } from "./grammar.js";
import { backendName, defaultThreads, sharedLlama, type GpuChoice } from "./llama.js";
import { threadpools } from "./threadpool.js";
import { typeOption, typeOptions, type OptionMap } from "./options.js";
import { loadPlan, samplePlan, type LoadPlan, type NotHonoured } from "./plan.js";
import { renderPrompt, type GgufChatTemplate, type PromptLayers } from "./prompt.js";
import { Lockstep } from "./lockstep.js";
import { SequencePool } from "./sequence-pool.js";
import { generatedLogprobs } from "./token-logprobs.js";
import { onThread } from "./on-thread.js";
import { afterEachDecode, onThreadCounts, serializeFirstSampleAfterDecode } from "./sample-guard.js";
import { batchTraceWanted, traceBatches, type BatchTrace } from "./trace.js";
import { readStoredModel, type StoredModel } from "./stored-model.js";
import type { GenerateRequest, GenerateResult, ModelFootprint, OnThreadCounts, OpenModelOptions, RuntimeModel } from "./types.js";

/** OpenModelOptions plus the backend choice: "auto" (a GPU when one works, the default) or false (CPU). */
export interface OpenModelSettings extends OpenModelOptions {
  gpu?: GpuChoice;
  /** Typed options laid over the model's PARAMETERs for this load (`run -p key=value`): load-time ones included. */
  overrides?: OptionMap;
  /**
   * The caller's event loop works while decodes run (a server writing every
   * token to its clients): lower its priority even with a one-thread pool
   * (see lowerEventLoopPriority). `serve` sets it.
   */
  busyEventLoop?: boolean;
  /**
   * Decode small batches and sample on this thread, not on libuv's workers
   * (src/runtime/on-thread.ts): for a process that exists to decode, a serve
   * runner. Only on the CPU with the thread pool library loaded (the event
   * loop is then not lowered, and its thread computes with the pool's).
   */
  decodeOnThread?: boolean;
}

const nowNs = () => Number(process.hrtime.bigint());

/**
 * Loads a built model from the store by name (Ollama's name rules): manifest,
 * layers, the GGUF into llama.cpp with the model's load-time PARAMETERs, its
 * ADAPTERs as LoRA on one shared context of `parallel` sequences. Throws
 * InputError MS5102 for an unknown model (with a did-you-mean over stored
 * names), EnvironmentError MS8004 when llama.cpp cannot load the files.
 */
export async function openModel(storeRoot: string, name: string, options: OpenModelSettings = {}): Promise<RuntimeModel> {
  const started = nowNs();
  const stored = await readStoredModel(new Store(storeRoot, { statCache: false }), name);
  const warnings = new WarnOnce(stored.name, options.onWarning ?? ((d) => process.stderr.write(`${renderDiagnostic(d, { source: () => undefined, color: false })}\n`)));
  const params = { ...modelParams(stored, warnings), ...options.overrides };
  const llama = await sharedLlama(options.gpu ?? "auto");
  const planFor = (trainContextSize: number) =>
    loadPlan({ params, trainContextSize, gpu: llama.gpu !== false, cpuCores: llama.cpuMathCores, defaultThreads: defaultThreads(llama), ...pick(options, "contextSize", "threads") });
  const cannotLoad = (what: string, err: unknown) => new EnvironmentError(error("MS8004", `model ${stored.name}: llama.cpp cannot load ${what}: ${(err as Error).message}`), { cause: err });
  // gpuLayers and useMmap do not depend on the training context; the context size does.
  const beforeLoad = planFor(0);
  await checkGgufHeaders(stored);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: stored.modelPath, gpuLayers: beforeLoad.gpuLayers, ...(beforeLoad.useMmap !== undefined ? { useMmap: beforeLoad.useMmap } : {}) });
  } catch (err) {
    throw cannotLoad("its GGUF", err);
  }
  const load = planFor(model.trainContextSize);
  warnings.notHonoured(load.notHonoured);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      contextSize: load.contextSize,
      sequences: Math.max(1, options.parallel ?? 1),
      threads: load.threads,
      batchSize: load.batchSize,
      ...(stored.adapterPaths.length > 0 ? { lora: { adapters: stored.adapterPaths.map((filePath) => ({ filePath, scale: 1 })) } } : {}),
    });
  } catch (err) {
    await model.dispose();
    throw cannotLoad(stored.adapterPaths.length > 0 ? "its ADAPTER layers or context" : "its context", err);
  }
  const here = options.decodeOnThread === true && llama.gpu === false && threadpools().loaded ? onThread() : undefined;
  serializeFirstSampleAfterDecode(context, here?.loaded ? here.lib : undefined);
  const trace = batchTraceWanted() ? traceBatches(context, load.threads) : undefined;
  // With the thread pool library loaded, the compute threads persist and are placed once: nothing to work around (docs/decisions.md, "A thread pool per context").
  if (llama.gpu === false && load.threads > 1 && !threadpools().loaded && (threadPoolSize() > 1 || options.busyEventLoop === true)) lowerEventLoopPriority();
  return new LoadedModel(stored, llama, model, context, load, params, warnings, nowNs() - started, trace);
}

/**
 * libuv's thread pool size as this process started it: UV_THREADPOOL_SIZE
 * (clamped to 1..1024 as libuv does), else libuv's default of 4. The CLI
 * (bin/modelsmith.js) starts with one; an embedding program usually has four.
 */
function threadPoolSize(): number {
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? "", 10);
  return Number.isNaN(n) ? 4 : Math.min(1024, Math.max(1, n));
}

/**
 * Lowers the priority (nice 19) of the calling thread, Node's event loop, on
 * Linux, where nice is per thread; the compute threads keep theirs. Why: the
 * prebuilt llama.cpp has no OpenMP and node-llama-cpp attaches no thread pool,
 * so every llama_decode on a libuv worker forks its extra ggml compute threads
 * anew, and they meet at spinning barriers. The event loop thread, which has
 * just woken that worker, still counts as load on the other core, so the
 * kernel puts the fresh thread beside its parent on one core, and each barrier
 * then waits for a 4 ms scheduler tick until the idle core pulls one over:
 * 2-thread decode ran at the 1-thread rate (42 vs llama-bench's 84 tok/s on
 * 2 cores; a 256-wide model 16 ms/token against 0.05). With the event loop
 * thread at nice 19 the fork lands on the free core (measured in plain C too:
 * a decode driven from a worker thread, 70 tok/s; with the waking thread at
 * nice 19, 2,700-4,400 tok/s; nice 1-10 does not help). Idempotent; a failure
 * (a sandbox that forbids it) is ignored. Never raised back: an unprivileged
 * process cannot.
 *
 * Only with a thread pool of more than one thread: with one (the CLI's, see
 * bin/modelsmith.js) decode runs at full speed without it (72 vs 72 tok/s,
 * 32 prompt tests on 4 sequences 7.6 vs 7.4 s), and nice 19 is then only a
 * cost: it is permanent, and children spawned afterwards inherit it. Except
 * in a server (`busyEventLoop`): there the event loop writes each token to
 * its client (JSON, SSE, a socket write) just as the next decode starts its
 * compute thread, so it is busy at the wrong moment even with one pool
 * thread: `serve`, one stream of a 4-layer embd-2048 Q4_K_M llama on 2
 * threads, 52-71 tok/s without, 137-146 with (llama-server 178-192 in the
 * same minutes; 8 streams 234 either way). See bench/serve.ts.
 */
export function lowerEventLoopPriority(): void {
  if (process.platform !== "linux") return;
  try {
    if (getPriority() < 19) setPriority(19);
  } catch {
    // not permitted here: decode keeps its speed, only slower with threads > 1
  }
}

/**
 * The load's footprint (ModelFootprint): the weights as llama.cpp holds them
 * (LlamaModel.size), and node-llama-cpp's estimate of the context for its
 * size, sequences and batch (KV cache and compute buffers; llama.cpp's
 * stateSize counts only the cells in use), split between RAM and the GPU as
 * the layers are.
 */
function footprintOf(model: LlamaModel, context: LlamaContext, contextLength: number): ModelFootprint {
  const insights = model.fileInsights;
  const ctx = insights.estimateContextResourceRequirements({ contextSize: context.contextSize, modelGpuLayers: model.gpuLayers, sequences: context.totalSequences, batchSize: context.batchSize });
  const size = Math.round(model.size + ctx.cpuRam + ctx.gpuVram);
  if (model.gpuLayers === 0) return { contextLength, size, sizeVram: 0 };
  const vram = insights.estimateModelResourceRequirements({ gpuLayers: model.gpuLayers }).gpuVram + ctx.gpuVram;
  return { contextLength, size, sizeVram: Math.min(size, Math.round(vram)) };
}

class LoadedModel implements RuntimeModel {
  readonly name: string;
  readonly manifestDigest: string;
  readonly backend: string;
  readonly footprint: ModelFootprint;
  private readonly pool: SequencePool;
  private readonly lockstep = new Lockstep();
  private readonly grammars: GrammarCache;
  private readonly layers: PromptLayers;
  private loadNs: number;
  private readonly embedder: ModelEmbedder;
  /** Whether a generation alone on the context takes its tokens on this thread (its context decodes on the thread: stepOnThread). */
  private readonly stepAlone: boolean;

  constructor(
    private readonly stored: StoredModel,
    llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly load: LoadPlan,
    private readonly params: OptionMap,
    private readonly warnings: WarnOnce,
    loadNs: number,
    private readonly trace?: { finish(): BatchTrace },
  ) {
    this.name = stored.name;
    this.manifestDigest = stored.manifestDigest;
    this.backend = backendName(llama);
    this.footprint = footprintOf(model, context, load.contextSize);
    this.pool = new SequencePool(context);
    this.grammars = new GrammarCache(llama);
    const chat = chatTemplateOf(model);
    // The TEMPLATE layer a build wrote for Ollama from the GGUF's chat template (Ollama's own approximation of it) is not ours to render with: the Jinja it came from is.
    const detected = stored.template !== undefined && chat.chatTemplate !== undefined && namedTemplate(chat.chatTemplate.template)?.template === stored.template;
    this.layers = { messages: stored.messages, ...pick(stored, ...(detected ? [] : ["template" as const]), "system"), ...chat };
    this.loadNs = loadNs;
    this.embedder = new ModelEmbedder(model, load.contextSize, load.threads);
    this.stepAlone = onThreadCounts(context) !== undefined;
  }

  embed(inputs: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return this.embedder.embed(inputs, options);
  }

  onThreadCounts(): OnThreadCounts | undefined {
    return onThreadCounts(this.context);
  }

  afterEachDecode(listener: () => void): () => void {
    return afterEachDecode(this.context, listener);
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const started = nowNs();
    const loadNs = this.loadNs;
    this.loadNs = 0;
    const { options: requestOptions, ignored } = typeOptions(req.options ?? {}, "request options");
    this.warnings.notHonoured(ignored.map((name) => ({ name, why: "it is deprecated; Ollama ignores it too" })));
    const plan = samplePlan(this.params, requestOptions, this.load);
    this.warnings.notHonoured(plan.notHonoured);
    // Ollama: a `context` is detokenized before the rendered prompt, and the MESSAGEs are then left out.
    const rendered = renderPrompt(req.context ? { ...this.layers, messages: [] } : this.layers, req);
    const promptText = (req.context && !req.raw ? this.detokenize(req.context) : "") + rendered.text;
    const format = req.format ?? this.stored.format;
    const grammar = format === undefined ? undefined : await this.grammars.get(format);
    const prompt = this.fit(this.tokenize(promptText), plan.numKeep);
    const sequence = await this.pool.acquire();
    try {
      const r = await generateOnSequence({ sequence, prompt, plan, lockstep: this.lockstep, stepAlone: this.stepAlone, ...pick(req, "signal", "onToken"), ...(grammar ? { grammar } : {}) });
      const end = nowNs();
      const logprobs = req.logprobs ? await generatedLogprobs(sequence, prompt, r.tokens) : undefined;
      return {
        text: r.text,
        finishReason: r.finishReason,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        // Ollama's `context`: the prompt text and the answer tokenized again, without BOS (add_special false, parse_special true).
        ...(req.raw ? {} : { context: [...this.model.tokenize(promptText + r.text, true)] }),
        ...(logprobs ? { logprobs } : {}),
        timings: { loadNs, promptEvalNs: r.promptEvalNs, evalNs: r.evalNs, totalNs: end - started + loadNs },
      };
    } finally {
      this.pool.release(sequence);
    }
  }

  async close(): Promise<void> {
    if (this.trace) process.stderr.write(`modelsmith trace batches ${this.name}: ${JSON.stringify(this.trace.finish())}\n`);
    await this.embedder.close();
    await this.context.dispose();
    await this.model.dispose();
  }

  /** The prompt's tokens as llama.cpp's tokenize with add_special and parse_special makes them (Ollama's call). */
  private tokenize(text: string): Token[] {
    const t = this.model.tokens;
    const tokens = this.model.tokenize(text, true);
    if (t.shouldPrependBosToken && t.bos !== null) tokens.unshift(t.bos);
    if (t.shouldAppendEosToken && t.eos !== null) tokens.push(t.eos);
    return tokens;
  }

  /** A `context` back to text; InputError MS8006 for an id outside the vocabulary. */
  private detokenize(ids: readonly number[]): string {
    const size = this.model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= size);
    if (bad !== undefined) throw new InputError(error("MS8006", `context holds ${JSON.stringify(bad)}, which is not a token id of model ${this.name} (0 to ${size - 1})`));
    return this.model.detokenize(ids as Token[], true);
  }

  /** Ollama's truncation of a prompt longer than the context: keep the first num_keep tokens and the end. */
  private fit(tokens: Token[], numKeep: number): Token[] {
    const room = this.context.contextSize - 1;
    if (tokens.length <= room) return tokens;
    const keep = Math.min(numKeep < 0 ? tokens.length : numKeep, room - 1);
    this.warnings.warn(`truncate`, warning("MS8009", `model ${this.name}: the prompt has ${tokens.length} tokens, more than the context of ${this.context.contextSize}; it was cut to ${room}`, { hint: "raise num_ctx or shorten the prompt" }));
    return [...tokens.slice(0, keep), ...tokens.slice(tokens.length - (room - keep))];
  }
}

/** Warnings told once per model and subject. */
class WarnOnce {
  private readonly told = new Set<string>();

  constructor(private readonly model: string, private readonly sink: (d: Diagnostic) => void) {}

  warn(subject: string, d: Diagnostic): void {
    if (this.told.has(subject)) return;
    this.told.add(subject);
    this.sink(d);
  }

  notHonoured(list: readonly NotHonoured[]): void {
    for (const n of list) this.warn(`param:${n.name}`, warning("MS8003", `model ${this.model}: parameter ${n.name} is not honoured: ${n.why}`));
  }
}

/** The model's PARAMETERs, typed; a name or value this runtime does not take is a warning, not a failure. */
function modelParams(stored: StoredModel, warnings: WarnOnce): OptionMap {
  const out: OptionMap = {};
  for (const [name, value] of Object.entries(stored.params)) {
    try {
      const typed = typeOption(name, value, "PARAMETER");
      if (typed === undefined) warnings.notHonoured([{ name, why: "it is deprecated; Ollama ignores it too" }]);
      else out[name] = typed;
    } catch (err) {
      warnings.notHonoured([{ name, why: (err as Error).message.replace(/^MS\d+: /, "") }]);
    }
  }
  return out;
}

function chatTemplateOf(model: LlamaModel): { chatTemplate?: GgufChatTemplate } {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  if (typeof template !== "string" || template === "") return {};
  const t = model.tokens;
  return { chatTemplate: { template, bosToken: t.bosString ?? "", eosToken: t.eosString ?? "", addBos: t.shouldPrependBosToken } };
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Reads the header of every GGUF the model loads with our own bounded reader
 * first: llama.cpp trusts a file that starts with the GGUF magic, and a damaged
 * blob (counts or lengths out of range) can make it allocate and spin without
 * end. A blob that fails here is reported as damaged store content (exit 3).
 */
async function checkGgufHeaders(stored: StoredModel): Promise<void> {
  for (const file of [stored.modelPath, ...stored.adapterPaths]) {
    let gguf;
    try {
      gguf = await readGgufFile(file);
    } catch (err) {
      if (!(err instanceof ModelsmithError)) throw err;
      throw new EnvironmentError(
        err.diagnostics.map((d) => ({ ...d, message: `model ${stored.name}: ${d.message}`, hint: "the stored file is damaged: `modelsmith verify` names it, `modelsmith build` rebuilds it" })),
        { cause: err },
      );
    }
    // Built before check and build knew these keys, or put in the store by hand: llama.cpp would abort on them.
    const problems = file === stored.modelPath ? hyperparameterProblems(gguf) : [];
    if (problems.length) {
      throw new InputError(problems.map((p) => error(p.code, `model ${stored.name}: ${p.message}`, { hint: `llama.cpp would abort on ${p.key}; fix the model's GGUF and build it again` })));
    }
  }
}
