import type { IncomingMessage, ServerResponse } from "node:http";
import { TLSSocket } from "node:tls";
import { loadModelDetails, reconstructModelfile, renderParameters } from "../inspect/index.js";
import { ollamaTimingFields, type ChatMessage, type GenerateRequest, type GenerateResult, type StreamHandoff } from "../runtime/index.js";
import { pieceFrame, type PieceFrame } from "./runner/frames.js";
import type { Store } from "../store/index.js";
import { modelCapabilities, thinkingTags, thinkOf } from "./capabilities.js";
import { catalog, catalogEntry } from "./catalog.js";
import { field, HttpError, isArray, isBoolean, isObject, isString, ndjsonLine, ndjsonStream, readJsonBody, sendJson, type Stream } from "./http.js";
import { keepAliveMs } from "./keep-alive.js";
import type { ModelHost } from "./model-host.js";
import { requestOptions } from "./request-options.js";
import { ThinkingParser } from "./thinking-parser.js";
import { AnswerSplitter, nothingSaid, type Said } from "./said.js";
import { toolCallsOf, toolCallTag, ToolParser, toolsOf } from "./tools.js";
import { parseTemplate, type OllamaTool, type TemplateAST } from "../gotemplate/index.js";
import { readGgufFile } from "../gguf/reader.js";
import { ggufModelInfo, ggufProjectorInfo } from "./model-info.js";

/** What the Ollama handlers share. */
export interface ApiContext {
  store: Store;
  host: ModelHost;
  version: string;
  /** The server log: warnings (an unknown option) go there. */
  log?: (line: string) => void;
  /** Aborted when the shutdown grace period is over: generations still running stop with a 503. */
  stopping?: AbortSignal;
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);

/** Fields of Ollama's API that modelsmith does not implement: a 400 rather than a silently different answer. */
function refuseUnsupported(body: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const v = body[name];
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    throw new HttpError(400, `\`${name}\` is not supported by modelsmith serve`);
  }
}

function requireModel(body: Record<string, unknown>): string {
  const model = field(body, "model", isString, "a string") ?? field(body, "name", isString, "a string");
  if (!model) throw new HttpError(400, "model is required");
  return model;
}

/** `format`: "json", a JSON Schema object, or ""/absent (none). */
export function formatOf(body: Record<string, unknown>): Pick<GenerateRequest, "format"> {
  const f = body.format;
  if (f === undefined || f === null || f === "") return {};
  if (f === "json") return { format: "json" };
  if (isObject(f)) return { format: f };
  throw new HttpError(400, '`format` must be "json" or a JSON Schema object');
}

/** `context`: token ids a previous /api/generate answer returned. */
function contextOf(body: Record<string, unknown>): number[] | undefined {
  const v = field(body, "context", isArray, "an array of token ids");
  if (!v || v.length === 0) return undefined;
  if (!v.every((x) => Number.isInteger(x))) throw new HttpError(400, "`context` must be an array of token ids");
  return v as number[];
}

const nowNs = () => Number(process.hrtime.bigint());

/** One finished generation, with the serving figures Ollama reports around it. */
export interface Served {
  result: GenerateResult;
  name: string;
  /** From the request to a loaded model (Ollama's load_duration: scheduling and loading). */
  loadNs: number;
  /** From the request to the end of generation (Ollama's total_duration). */
  totalNs: number;
}

/**
 * Runs one generation for a request: lends the model, aborts when the client
 * goes away or the server's shutdown grace is over (then a 503), streams
 * pieces through `onPiece`, and gives the model back with the request's
 * keep_alive (milliseconds, see keepAliveMs).
 */
export async function generateFor(
  ctx: Pick<ApiContext, "host" | "stopping">,
  res: ServerResponse,
  model: string,
  keepAlive: number | undefined,
  request: GenerateRequest,
  onPiece?: (text: string) => void,
  /** The bytes onPiece writes for every later piece (frames.ts): given, a runner may write them itself (handoffOf). */
  frame?: PieceFrame,
): Promise<Served> {
  const started = nowNs();
  const lease = await ctx.host.acquire(model, keepAlive, numCtxOf(request.options));
  const loadNs = nowNs() - started;
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  const onStop = () => abort.abort();
  res.on("close", onClose);
  ctx.stopping?.addEventListener("abort", onStop);
  try {
    if (ctx.stopping?.aborted) abort.abort();
    const handoff = onPiece && frame ? { handoff: handoffOf(res, frame) } : {};
    const result = await lease.model.generate({ ...request, signal: abort.signal, ...(onPiece ? { onToken: onPiece } : {}), ...handoff });
    if (ctx.stopping?.aborted) throw new HttpError(503, "the server is shutting down");
    return { result, name: lease.model.name, loadNs, totalNs: nowNs() - started };
  } finally {
    res.off("close", onClose);
    ctx.stopping?.removeEventListener("abort", onStop);
    lease.release();
  }
}

/**
 * The client's connection, offered to a runner once the first pieces are
 * written (docs/decisions.md, "A runner writes its stream to the client
 * itself"): its file descriptor when every byte so far is in the kernel (a
 * turn after the write, when Node has uncorked the socket) and the answer is
 * a chunked HTTP/1.1 body over plain TCP; else undefined, and the server
 * writes every piece as before.
 */
function handoffOf(res: ServerResponse, frame: PieceFrame): StreamHandoff {
  return {
    frame,
    take: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const socket = res.socket;
      if (!socket || socket.destroyed || socket instanceof TLSSocket || !res.headersSent || res.writableEnded || res.writableLength > 0) return undefined;
      if ((res as { chunkedEncoding?: boolean }).chunkedEncoding !== true) return undefined;
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      return typeof fd === "number" && fd >= 0 ? fd : undefined;
    },
    lost: () => res.socket?.destroy(),
  };
}

/**
 * The duration and count fields of a final answer as Ollama writes them
 * (api.Metrics, every field `omitempty`: a zero is left out), in nanoseconds.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go
 */
export function metricsOf(s: Served): Record<string, number> {
  const all = { ...ollamaTimingFields(s.result), total_duration: s.totalNs, load_duration: s.loadNs };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== 0));
}

/** A positive integer `options.num_ctx` of the request, else undefined (the model's own). */
function numCtxOf(options: unknown): number | undefined {
  const n = isObject(options) ? options.num_ctx : undefined;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * An empty request loads the model (Ollama's way to preload one), with the
 * request's num_ctx as Ollama's scheduleRunner takes req.Options.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L466-L483
 */
async function loadOnly(ctx: ApiContext, model: string, keepAlive: number | undefined, body: Record<string, unknown>): Promise<string> {
  (await ctx.host.acquire(model, keepAlive, numCtxOf(body.options))).release();
  return model;
}

/** The details of a model this server serves; Ollama's 404 `model 'm' not found` when it does not, or the store lacks it. */
async function servedDetails(ctx: ApiContext, model: string): Promise<Awaited<ReturnType<typeof loadModelDetails>>> {
  if (!ctx.host.serves(model)) throw new HttpError(404, `model '${model}' not found`);
  try {
    return await loadModelDetails(ctx.store, model);
  } catch (err) {
    if ((err as { diagnostics?: { code: string }[] }).diagnostics?.some((x) => x.code === "MS5102")) throw new HttpError(404, `model '${model}' not found`);
    throw err;
  }
}

/**
 * Checks `think` as Ollama does before scheduling: true (or a level) for a
 * model whose template cannot think is a 400 `"m" does not support
 * thinking`; false is accepted for every model; absent means true for a
 * model that can think (Ollama's default). Tools for a model whose template
 * takes none are a 400 `m does not support tools`. Gives the effective
 * `think` and the parsers that split the answer: the TEMPLATE's thinking
 * tags, the TEMPLATE's tool-call tag.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2610-L2631
 */
export async function answerParsers(
  ctx: ApiContext,
  model: string,
  think: ReturnType<typeof thinkOf>,
  tools: OllamaTool[] | undefined,
  /** Anthropic's API: thinking asked of a model that cannot think is dropped, not a 400 (Ollama's relax_thinking). */
  relaxThinking = false,
): Promise<{ splitter: AnswerSplitter; think: ReturnType<typeof thinkOf> }> {
  if (think?.think === false && !tools) return { splitter: new AnswerSplitter(), think };
  let d: Awaited<ReturnType<typeof servedDetails>>;
  try {
    d = await servedDetails(ctx, model);
  } catch (err) {
    // An unknown model: the 404 comes from loading it, as before.
    if (err instanceof HttpError && err.status === 404 && !think?.think && !tools) return { splitter: new AnswerSplitter(), think };
    throw err;
  }
  const caps = modelCapabilities(d);
  if (tools && !caps.includes("tools")) throw new HttpError(400, `${model} does not support tools`);
  let effective = think;
  if (caps.includes("thinking")) effective ??= { think: true, level: "" };
  else if (think?.think && relaxThinking) effective = undefined;
  else if (think?.think) throw new HttpError(400, `${JSON.stringify(model)} does not support thinking`);
  let thinking: ThinkingParser | undefined;
  if (effective?.think) {
    const [open, close] = thinkingTags(d);
    if (open !== "" && close !== "") thinking = new ThinkingParser(open, close);
  }
  const toolParser = tools ? new ToolParser(toolCallTag(parsedTemplate(d.template)), tools) : undefined;
  return { splitter: new AnswerSplitter(thinking, toolParser), think: effective };
}

function parsedTemplate(template: string | undefined): TemplateAST | undefined {
  if (template === undefined) return undefined;
  try {
    return parseTemplate(template);
  } catch {
    return undefined;
  }
}

const thinkingField = (s: Said) => (s.thinking !== "" ? { thinking: s.thinking } : {});
const toolCallsField = (s: Said) => (s.toolCalls.length > 0 ? { tool_calls: s.toolCalls } : {});
const thinkValue = (think: ReturnType<typeof thinkOf>) => (think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {});

const now = () => new Date().toISOString();

/** POST /api/generate */
export async function generate(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  refuseUnsupported(body, ["template", "suffix", "images"]);
  const prompt = field(body, "prompt", isString, "a string") ?? "";
  const system = field(body, "system", isString, "a string");
  const raw = field(body, "raw", isBoolean, "true or false") ?? false;
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const keepAlive = keepAliveMs(body.keep_alive);
  const context = contextOf(body);
  if (prompt === "" && keepAlive === 0) {
    await ctx.host.unload(model);
    return sendJson(res, 200, { model, created_at: now(), response: "", done: true, done_reason: "unload" });
  }
  if (raw && ((system !== undefined && system !== "") || context)) throw new HttpError(400, "raw mode does not support template, system, or context");
  const { splitter, think } = await answerParsers(ctx, model, thinkOf(body), undefined);
  if (prompt === "") {
    const name = await loadOnly(ctx, model, keepAlive, body);
    return sendJson(res, 200, { model: name, created_at: now(), response: "", done: true, done_reason: "load" });
  }
  const options = requestOptions(body, ctx.log);
  const request: GenerateRequest = {
    ...(system !== undefined && !raw ? { messages: [{ role: "system", content: system }, { role: "user", content: prompt }] } : { prompt, raw }),
    ...(options ? { options } : {}),
    ...formatOf(body),
    ...(raw ? {} : thinkValue(think)),
    ...(context ? { context } : {}),
  };
  await respond(ctx, res, model, keepAlive, request, stream, splitter, (name, said, at) => ({ model: name, created_at: at, response: said.content, ...thinkingField(said), done: false }), (name, s, said) => ({
    model: name,
    created_at: now(),
    response: said.content,
    ...thinkingField(said),
    done: true,
    done_reason: s.result.finishReason,
    ...(s.result.context && s.result.context.length > 0 ? { context: s.result.context } : {}),
    ...metricsOf(s),
  }));
}

/** An Ollama chat message for the runtime: roles system, user, assistant and tool; an assistant's `thinking` and `tool_calls`, a tool's `tool_name`. */
function chatMessage(m: unknown, i: number): ChatMessage {
  if (!isObject(m)) throw new HttpError(400, `messages[${i}] must be an object`);
  refuseUnsupported(m, ["images"]);
  if (!isString(m.role) || !ROLES.has(m.role)) throw new HttpError(400, `messages[${i}].role must be system, user, assistant or tool`);
  if (m.content !== undefined && m.content !== null && !isString(m.content)) throw new HttpError(400, `messages[${i}].content must be a string`);
  const thinking = field(m, "thinking", isString, "a string");
  const toolCalls = toolCallsOf(m.tool_calls, `messages[${i}]`);
  const toolName = field(m, "tool_name", isString, "a string");
  const toolCallId = field(m, "tool_call_id", isString, "a string");
  // A thinking model's earlier answer comes back with its trace (the ollama client sends the message as it got it).
  return {
    role: m.role as ChatMessage["role"],
    content: isString(m.content) ? m.content : "",
    ...(thinking ? { thinking } : {}),
    ...(toolCalls && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(toolName ? { tool_name: toolName } : {}),
    ...(toolCallId ? { tool_call_id: toolCallId } : {}),
  };
}

/** POST /api/chat */
export async function chat(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  const tools = toolsOf(body);
  const list = field(body, "messages", isArray, "an array") ?? [];
  const messages: ChatMessage[] = list.map(chatMessage);
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const keepAlive = keepAliveMs(body.keep_alive);
  if (messages.length === 0 && keepAlive === 0) {
    await ctx.host.unload(model);
    return sendJson(res, 200, { model, created_at: now(), message: { role: "assistant", content: "" }, done: true, done_reason: "unload" });
  }
  const { splitter, think } = await answerParsers(ctx, model, thinkOf(body), tools);
  if (messages.length === 0) {
    const name = await loadOnly(ctx, model, keepAlive, body);
    return sendJson(res, 200, { model: name, created_at: now(), message: { role: "assistant", content: "" }, done: true, done_reason: "load" });
  }
  const options = requestOptions(body, ctx.log);
  const request: GenerateRequest = {
    messages,
    ...(tools ? { tools } : {}),
    ...(options ? { options } : {}),
    ...formatOf(body),
    ...thinkValue(think),
  };
  const message = (said: Said) => ({ role: "assistant", content: said.content, ...thinkingField(said), ...toolCallsField(said) });
  await respond(ctx, res, model, keepAlive, request, stream, splitter, (name, said, at) => ({ model: name, created_at: at, message: message(said), done: false }), (name, s, said) => ({
    model: name,
    created_at: now(),
    message: message(said),
    done: true,
    done_reason: s.result.finishReason,
    ...metricsOf(s),
  }));
}

/**
 * Streams (NDJSON: a chunk per piece, then the final object with the text
 * the splitter still held) or answers once (the final object with the whole
 * answer, its parts gathered as Ollama's non-streamed chat gathers them).
 * Headers go out with the first chunk, so a failure before it is still a
 * plain error. A piece the splitter holds back (a partial tag) sends no chunk.
 */
async function respond(
  ctx: ApiContext,
  res: ServerResponse,
  model: string,
  keepAlive: number | undefined,
  request: GenerateRequest,
  stream: boolean,
  splitter: AnswerSplitter,
  chunk: (name: string, said: Said, at: string) => unknown,
  last: (name: string, s: Served, said: Said) => unknown,
): Promise<void> {
  if (!stream) {
    const pieces: string[] = [];
    const served = await generateFor(ctx, res, model, keepAlive, request, (piece) => pieces.push(piece));
    return sendJson(res, 200, last(model, served, AnswerSplitter.whole(splitter, pieces)));
  }
  // Answers name the model as the request did, as Ollama's do.
  let out: Stream | undefined;
  // Every piece a chunk of its own content: a runner can write them (handoffOf).
  const frame = splitter.passthrough ? pieceFrame((piece, at) => ndjsonLine(chunk(model, { ...nothingSaid(), content: piece }, at)), true) : undefined;
  const onPiece = (piece: string) => {
    const said = splitter.add(piece);
    if (!said) return;
    out ??= ndjsonStream(res);
    out.send(chunk(model, said, now()));
  };
  const served = await generateFor(ctx, res, model, keepAlive, request, onPiece, frame);
  out ??= ndjsonStream(res);
  out.send(last(model, served, { ...nothingSaid(), content: splitter.end() }));
  out.end();
}

/** GET /api/tags */
export async function tags(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const models = await catalog(ctx.store, (name) => ctx.host.serves(name));
  sendJson(res, 200, {
    models: models.map((m) => ({ name: m.name, model: m.name, modified_at: m.modifiedAt.toISOString(), size: m.size, digest: m.digestHex, details: m.details })),
  });
}

/** POST /api/show */
export async function show(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  const d = await servedDetails(ctx, model);
  const entry = await catalogEntry(ctx.store, d.stored);
  const g = d.gguf;
  const verbose = field(body, "verbose", isBoolean, "a boolean") === true;
  const header = d.modelLayer ? await readGgufFile(ctx.store.blobPath(d.modelLayer.digest)) : undefined;
  const modelInfo: Record<string, unknown> = header ? ggufModelInfo(header, verbose) : {};
  // Ollama reads the first projector only (m.ProjectorPaths[0]).
  const projector = d.projectors[0] ? await readGgufFile(ctx.store.blobPath(d.projectors[0].digest)) : undefined;
  if (g) {
    modelInfo["general.architecture"] = g.architecture;
    modelInfo["general.parameter_count"] = g.parameterCount;
    if (g.fileType !== undefined) modelInfo["general.file_type"] = g.fileType;
    if (g.contextLength !== undefined) modelInfo[`${g.architecture}.context_length`] = g.contextLength;
    if (g.embeddingLength !== undefined) modelInfo[`${g.architecture}.embedding_length`] = g.embeddingLength;
  }
  sendJson(res, 200, {
    ...(d.licenses.length > 0 ? { license: d.licenses.join("\n") } : {}),
    modelfile: reconstructModelfile(d, (digest) => ctx.store.blobPath(digest)),
    parameters: renderParameters(d.parameters).trimEnd(),
    template: d.template ?? "",
    ...(d.system !== undefined ? { system: d.system } : {}),
    details: entry.details,
    ...(d.messages.length > 0 ? { messages: d.messages } : {}),
    model_info: modelInfo,
    ...(header ? { tensors: header.tensors.map((t) => ({ name: t.name, type: t.typeName, shape: t.dims })) } : {}),
    capabilities: modelCapabilities(d),
    modified_at: entry.modifiedAt.toISOString(),
    ...(projector ? { projector_info: ggufProjectorInfo(projector, verbose) } : {}),
  });
}

/**
 * GET /api/ps: the loaded models as Ollama's ProcessModelResponse, the one
 * whose keep-alive runs longest first (Ollama's PsHandler sort). `size` is
 * the memory the load holds (weights and context state, as llama.cpp counts
 * them; Ollama's is its estimate of the same), `size_vram` the part of it on
 * the GPU, `context_length` the loaded num_ctx, `expires_at` when the idle
 * model unloads (far in the future for keep_alive < 0).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L2271-L2303
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L835-L844
 */
export async function ps(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const loaded = await ctx.host.loaded();
  // Only the loaded models' manifests and configs are read, not the whole store's.
  const entries = await Promise.all(loaded.map((l) => ctx.store.readManifest(l.name).then((m) => catalogEntry(ctx.store, m), () => undefined)));
  const models = loaded.map((l, i) => {
    const entry = entries[i];
    const footprint = l.model.footprint;
    return {
      name: l.name,
      model: l.name,
      size: footprint?.size ?? entry?.size ?? 0,
      digest: entry?.digestHex ?? "",
      details: entry?.details ?? {},
      expires_at: l.expiresAt.toISOString(),
      size_vram: footprint?.sizeVram ?? 0,
      context_length: footprint?.contextLength ?? 0,
    };
  });
  // Stable, by whole seconds, as Ollama compares ExpiresAt.Unix().
  models.sort((a, b) => Math.floor(Date.parse(b.expires_at) / 1000) - Math.floor(Date.parse(a.expires_at) / 1000));
  sendJson(res, 200, { models });
}

/** GET /api/version */
export async function version(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { version: ctx.version });
}
