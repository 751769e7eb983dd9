import type { IncomingMessage, ServerResponse } from "node:http";
import { loadModelDetails, reconstructModelfile, renderParameters } from "../inspect/index.js";
import { ollamaTimingFields, type ChatMessage, type GenerateRequest, type GenerateResult } from "../runtime/index.js";
import type { Store } from "../store/index.js";
import { catalog, catalogEntry } from "./catalog.js";
import { field, HttpError, isArray, isBoolean, isObject, isString, ndjsonStream, readJsonBody, sendJson, type Stream } from "./http.js";
import type { ModelHost } from "./model-host.js";

/** What the Ollama handlers share. */
export interface ApiContext {
  store: Store;
  host: ModelHost;
  version: string;
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

function optionsOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return field(body, "options", isObject, "an object");
}

/**
 * Runs one generation for a request: lends the model, aborts when the client
 * goes away, streams pieces through `onPiece`, and gives the model back with
 * the request's keep_alive.
 */
export async function generateFor(
  ctx: Pick<ApiContext, "host">,
  res: ServerResponse,
  model: string,
  keepAlive: unknown,
  request: GenerateRequest,
  onPiece?: (text: string) => void,
): Promise<{ result: GenerateResult; name: string }> {
  const lease = await ctx.host.acquire(model, keepAlive);
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on("close", onClose);
  try {
    const result = await lease.model.generate({ ...request, signal: abort.signal, ...(onPiece ? { onToken: onPiece } : {}) });
    return { result, name: lease.model.name };
  } finally {
    res.off("close", onClose);
    lease.release();
  }
}

/** An empty request loads the model (Ollama's way to preload one). */
async function loadOnly(ctx: ApiContext, model: string, keepAlive: unknown): Promise<string> {
  (await ctx.host.acquire(model, keepAlive)).release();
  return model;
}

const now = () => new Date().toISOString();

/** POST /api/generate */
export async function generate(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  refuseUnsupported(body, ["template", "suffix", "images", "context", "think"]);
  const prompt = field(body, "prompt", isString, "a string") ?? "";
  const system = field(body, "system", isString, "a string");
  const raw = field(body, "raw", isBoolean, "true or false") ?? false;
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const keepAlive = body.keep_alive;
  if (prompt === "" && system === undefined) {
    const name = await loadOnly(ctx, model, keepAlive);
    return sendJson(res, 200, { model: name, created_at: now(), response: "", done: true, done_reason: "load" });
  }
  const options = optionsOf(body);
  const request: GenerateRequest = {
    ...(system !== undefined && !raw ? { messages: [{ role: "system", content: system }, { role: "user", content: prompt }] } : { prompt, raw }),
    ...(options ? { options } : {}),
    ...formatOf(body),
  };
  await respond(ctx, res, model, keepAlive, request, stream, (name, piece) => ({ model: name, created_at: now(), response: piece, done: false }), (name, r, text) => ({
    model: name,
    created_at: now(),
    response: text,
    done: true,
    done_reason: r.finishReason,
    ...ollamaTimingFields(r),
  }));
}

/** POST /api/chat */
export async function chat(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  refuseUnsupported(body, ["tools", "think"]);
  const list = field(body, "messages", isArray, "an array") ?? [];
  const messages: ChatMessage[] = list.map((m, i) => {
    if (!isObject(m)) throw new HttpError(400, `messages[${i}] must be an object`);
    refuseUnsupported(m, ["images", "tool_calls", "thinking"]);
    if (!isString(m.role) || !ROLES.has(m.role)) throw new HttpError(400, `messages[${i}].role must be system, user or assistant`);
    if (!isString(m.content)) throw new HttpError(400, `messages[${i}].content must be a string`);
    return { role: m.role as ChatMessage["role"], content: m.content };
  });
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const keepAlive = body.keep_alive;
  if (messages.length === 0) {
    const name = await loadOnly(ctx, model, keepAlive);
    return sendJson(res, 200, { model: name, created_at: now(), message: { role: "assistant", content: "" }, done: true, done_reason: "load" });
  }
  const options = optionsOf(body);
  const request: GenerateRequest = { messages, ...(options ? { options } : {}), ...formatOf(body) };
  await respond(ctx, res, model, keepAlive, request, stream, (name, piece) => ({ model: name, created_at: now(), message: { role: "assistant", content: piece }, done: false }), (name, r, text) => ({
    model: name,
    created_at: now(),
    message: { role: "assistant", content: text },
    done: true,
    done_reason: r.finishReason,
    ...ollamaTimingFields(r),
  }));
}

/**
 * Streams (NDJSON: a chunk per piece, then the final object with an empty
 * text) or answers once (the final object with the whole text). Headers go
 * out with the first piece, so a failure before it is still a plain error.
 */
async function respond(
  ctx: ApiContext,
  res: ServerResponse,
  model: string,
  keepAlive: unknown,
  request: GenerateRequest,
  stream: boolean,
  chunk: (name: string, piece: string) => unknown,
  last: (name: string, r: GenerateResult, text: string) => unknown,
): Promise<void> {
  if (!stream) {
    const { result } = await generateFor(ctx, res, model, keepAlive, request);
    return sendJson(res, 200, last(model, result, result.text));
  }
  // Answers name the model as the request did, as Ollama's do.
  let out: Stream | undefined;
  const { result } = await generateFor(ctx, res, model, keepAlive, request, (piece) => {
    out ??= ndjsonStream(res);
    out.send(chunk(model, piece));
  });
  out ??= ndjsonStream(res);
  out.send(last(model, result, ""));
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
  if (!ctx.host.serves(model)) throw new HttpError(404, `model "${model}" not found`);
  let d;
  try {
    d = await loadModelDetails(ctx.store, model);
  } catch (err) {
    if ((err as { diagnostics?: { code: string }[] }).diagnostics?.some((x) => x.code === "MS5102")) throw new HttpError(404, `model "${model}" not found`);
    throw err;
  }
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
    capabilities: ["completion"],
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
