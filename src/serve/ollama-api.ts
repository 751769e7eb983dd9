import type { IncomingMessage, ServerResponse } from "node:http";
import { loadModelDetails, reconstructModelfile, renderParameters } from "../inspect/index.js";
import { ollamaTimingFields, type ChatMessage, type GenerateRequest, type GenerateResult } from "../runtime/index.js";
import type { Store } from "../store/index.js";
import { modelCapabilities, thinkingTags, thinkOf } from "./capabilities.js";
import { catalog, catalogEntry } from "./catalog.js";
import { field, HttpError, isArray, isBoolean, isObject, isString, ndjsonStream, readJsonBody, sendJson, type Stream } from "./http.js";
import { keepAliveMs } from "./keep-alive.js";
import type { ModelHost } from "./model-host.js";
import { requestOptions } from "./request-options.js";
import { ThinkingParser } from "./thinking-parser.js";

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

const ROLES = new Set(["system", "user", "assistant"]);

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
): Promise<Served> {
  const started = nowNs();
  const numCtx = request.options?.num_ctx;
  const lease = await ctx.host.acquire(model, keepAlive, typeof numCtx === "number" && Number.isInteger(numCtx) && numCtx > 0 ? numCtx : undefined);
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
    const result = await lease.model.generate({ ...request, signal: abort.signal, ...(onPiece ? { onToken: onPiece } : {}) });
    if (ctx.stopping?.aborted) throw new HttpError(503, "the server is shutting down");
    return { result, name: lease.model.name, loadNs, totalNs: nowNs() - started };
  } finally {
    res.off("close", onClose);
    ctx.stopping?.removeEventListener("abort", onStop);
    lease.release();
  }
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

/** An empty request loads the model (Ollama's way to preload one). */
async function loadOnly(ctx: ApiContext, model: string, keepAlive: number | undefined): Promise<string> {
  (await ctx.host.acquire(model, keepAlive)).release();
  return model;
}

/** The details of a model this server serves; Ollama's 404 `model "m" not found` when it does not, or the store lacks it. */
async function servedDetails(ctx: ApiContext, model: string): Promise<Awaited<ReturnType<typeof loadModelDetails>>> {
  if (!ctx.host.serves(model)) throw new HttpError(404, `model "${model}" not found`);
  try {
    return await loadModelDetails(ctx.store, model);
  } catch (err) {
    if ((err as { diagnostics?: { code: string }[] }).diagnostics?.some((x) => x.code === "MS5102")) throw new HttpError(404, `model "${model}" not found`);
    throw err;
  }
}

/**
 * Checks `think` as Ollama does before scheduling: true (or a level) for a
 * model whose template cannot think is a 400 `"m" does not support
 * thinking`; false is accepted for every model. For a model that can think,
 * the TEMPLATE's tags, to split the answer into `thinking` and content.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L453-L464
 */
async function thinkingParser(ctx: ApiContext, model: string, think: ReturnType<typeof thinkOf>): Promise<ThinkingParser | undefined> {
  if (!think?.think) return undefined;
  const d = await servedDetails(ctx, model);
  if (!modelCapabilities(d).includes("thinking")) throw new HttpError(400, `${JSON.stringify(model)} does not support thinking`);
  const [open, close] = thinkingTags(d);
  return open !== "" && close !== "" ? new ThinkingParser(open, close) : undefined;
}

/** What the model said, split: `thinking` (omitted when empty, as Ollama does) and the content. */
interface Said {
  content: string;
  thinking: string;
}

const thinkingField = (s: Said) => (s.thinking !== "" ? { thinking: s.thinking } : {});

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
  const think = thinkOf(body);
  const context = contextOf(body);
  if (prompt === "" && keepAlive === 0) {
    await ctx.host.unload(model);
    return sendJson(res, 200, { model, created_at: now(), response: "", done: true, done_reason: "unload" });
  }
  if (raw && ((system !== undefined && system !== "") || context)) throw new HttpError(400, "raw mode does not support template, system, or context");
  const parser = await thinkingParser(ctx, model, think);
  if (prompt === "") {
    const name = await loadOnly(ctx, model, keepAlive);
    return sendJson(res, 200, { model: name, created_at: now(), response: "", done: true, done_reason: "load" });
  }
  const options = requestOptions(body, ctx.log);
  const request: GenerateRequest = {
    ...(system !== undefined && !raw ? { messages: [{ role: "system", content: system }, { role: "user", content: prompt }] } : { prompt, raw }),
    ...(options ? { options } : {}),
    ...formatOf(body),
    ...(think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {}),
    ...(context ? { context } : {}),
  };
  await respond(ctx, res, model, keepAlive, request, stream, parser, (name, said) => ({ model: name, created_at: now(), response: said.content, ...thinkingField(said), done: false }), (name, s, said) => ({
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

/** POST /api/chat */
export async function chat(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  refuseUnsupported(body, ["tools"]);
  const list = field(body, "messages", isArray, "an array") ?? [];
  const messages: ChatMessage[] = list.map((m, i) => {
    if (!isObject(m)) throw new HttpError(400, `messages[${i}] must be an object`);
    refuseUnsupported(m, ["images", "tool_calls"]);
    if (!isString(m.role) || !ROLES.has(m.role)) throw new HttpError(400, `messages[${i}].role must be system, user or assistant`);
    if (!isString(m.content)) throw new HttpError(400, `messages[${i}].content must be a string`);
    const thinking = field(m, "thinking", isString, "a string");
    // A thinking model's earlier answer comes back with its trace (the ollama client sends the message as it got it).
    return { role: m.role as ChatMessage["role"], content: m.content, ...(thinking ? { thinking } : {}) };
  });
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const keepAlive = keepAliveMs(body.keep_alive);
  const think = thinkOf(body);
  if (messages.length === 0 && keepAlive === 0) {
    await ctx.host.unload(model);
    return sendJson(res, 200, { model, created_at: now(), message: { role: "assistant", content: "" }, done: true, done_reason: "unload" });
  }
  const parser = await thinkingParser(ctx, model, think);
  if (messages.length === 0) {
    const name = await loadOnly(ctx, model, keepAlive);
    return sendJson(res, 200, { model: name, created_at: now(), message: { role: "assistant", content: "" }, done: true, done_reason: "load" });
  }
  const options = requestOptions(body, ctx.log);
  const request: GenerateRequest = {
    messages,
    ...(options ? { options } : {}),
    ...formatOf(body),
    ...(think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {}),
  };
  const message = (said: Said) => ({ role: "assistant", content: said.content, ...thinkingField(said) });
  await respond(ctx, res, model, keepAlive, request, stream, parser, (name, said) => ({ model: name, created_at: now(), message: message(said), done: false }), (name, s, said) => ({
    model: name,
    created_at: now(),
    message: message(said),
    done: true,
    done_reason: s.result.finishReason,
    ...metricsOf(s),
  }));
}

/**
 * Streams (NDJSON: a chunk per piece, then the final object with an empty
 * text) or answers once (the final object with the whole text). Headers go
 * out with the first piece, so a failure before it is still a plain error.
 * With a thinking parser, each piece is split into thinking and content; a
 * piece it holds back (a partial tag) sends no chunk.
 */
async function respond(
  ctx: ApiContext,
  res: ServerResponse,
  model: string,
  keepAlive: number | undefined,
  request: GenerateRequest,
  stream: boolean,
  parser: ThinkingParser | undefined,
  chunk: (name: string, said: Said) => unknown,
  last: (name: string, s: Served, said: Said) => unknown,
): Promise<void> {
  const split = (text: string): Said => (parser ? parser.add(text) : { content: text, thinking: "" });
  if (!stream) {
    const served = await generateFor(ctx, res, model, keepAlive, request);
    return sendJson(res, 200, last(model, served, split(served.result.text)));
  }
  // Answers name the model as the request did, as Ollama's do.
  let out: Stream | undefined;
  const served = await generateFor(ctx, res, model, keepAlive, request, (piece) => {
    const said = split(piece);
    if (said.content === "" && said.thinking === "") return;
    out ??= ndjsonStream(res);
    out.send(chunk(model, said));
  });
  out ??= ndjsonStream(res);
  out.send(last(model, served, { content: "", thinking: "" }));
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
  const modelInfo: Record<string, unknown> = {};
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
    capabilities: modelCapabilities(d),
    modified_at: entry.modifiedAt.toISOString(),
  });
}

/** GET /api/ps */
export async function ps(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const loaded = await ctx.host.loaded();
  // Only the loaded models' manifests and configs are read, not the whole store's.
  const entries = await Promise.all(loaded.map((l) => ctx.store.readManifest(l.name).then((m) => catalogEntry(ctx.store, m), () => undefined)));
  sendJson(res, 200, {
    models: loaded.map((l, i) => {
      const entry = entries[i];
      return {
        name: l.name,
        model: l.name,
        size: entry?.size ?? 0,
        digest: entry?.digestHex ?? "",
        details: entry?.details ?? {},
        expires_at: l.expiresAt.toISOString(),
        size_vram: 0,
      };
    }),
  });
}

/** GET /api/version */
export async function version(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { version: ctx.version });
}
