import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChatMessage, GenerateRequest, GenerateResult } from "../runtime/index.js";
import { displayShortest, parseModelName } from "../store/index.js";
import { catalog, type CatalogEntry } from "./catalog.js";
import { field, HttpError, isArray, isBoolean, isNumber, isObject, isString, readJsonBody, sendJson, sseStream, type Stream } from "./http.js";
import { generateFor, type ApiContext } from "./ollama-api.js";
import { routeParam } from "./routes.js";

/** OpenAI's error body; `param` and `code` from the HttpError when it names them. */
export function openAiError(status: number, message: string, err?: HttpError): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const type = status >= 500 ? "api_error" : "invalid_request_error";
  const code = err?.code ?? (status === 404 ? "model_not_found" : status === 401 ? "invalid_api_key" : null);
  return { error: { message, type, param: err?.param ?? null, code } };
}

/**
 * `max_tokens` / `max_completion_tokens`: at least 1, as OpenAI's API checks
 * it (0 would otherwise mean "no limit" to the runtime, as num_predict 0 does
 * in Ollama). OpenAI's answer, for 0: 400 `Invalid 'max_tokens': integer
 * below minimum value. Expected a value >= 1, but got 0 instead.`, param
 * max_tokens, code integer_below_min_value (as reported in
 * https://github.com/it-at-m/mucgpt/issues/608).
 */
function maxTokensOf(body: Record<string, unknown>): number | undefined {
  for (const name of ["max_completion_tokens", "max_tokens"]) {
    const v = field(body, name, isNumber, "a number");
    if (v === undefined) continue;
    if (!Number.isInteger(v)) throw new HttpError(400, `Invalid type for '${name}': expected an integer, but got a decimal number instead.`, { param: name, code: "invalid_type" });
    if (v < 1) throw new HttpError(400, `Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${v} instead.`, { param: name, code: "integer_below_min_value" });
    return v;
  }
  return undefined;
}

const ROLES = new Set(["system", "user", "assistant", "developer"]);
const id = (prefix: string) => `${prefix}-${randomBytes(12).toString("hex")}`;
const seconds = () => Math.floor(Date.now() / 1000);

function requireModel(body: Record<string, unknown>): string {
  const model = field(body, "model", isString, "a string");
  if (!model) throw new HttpError(400, "`model` is required");
  return model;
}

/** A message's content: a string, or text parts (`[{type: "text", text}]`) joined; other parts are 400. */
function contentText(v: unknown, where: string): string {
  if (isString(v)) return v;
  if (v === null || v === undefined) return "";
  if (!isArray(v)) throw new HttpError(400, `${where}.content must be a string or an array of text parts`);
  return v
    .map((part, i) => {
      if (!isObject(part) || part.type !== "text" || !isString(part.text)) throw new HttpError(400, `${where}.content[${i}]: only text parts are supported`);
      return part.text;
    })
    .join("");
}

/** The sampling fields of a request as Ollama option names: what the model's PARAMETERs are overridden with. */
function optionsOf(body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const maxTokens = maxTokensOf(body);
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  for (const [from, to] of [["temperature", "temperature"], ["top_p", "top_p"], ["seed", "seed"], ["frequency_penalty", "frequency_penalty"], ["presence_penalty", "presence_penalty"]] as const) {
    const v = field(body, from, isNumber, "a number");
    if (v !== undefined) options[to] = v;
  }
  const stop = body.stop;
  if (isString(stop)) options.stop = [stop];
  else if (isArray(stop) && stop.every(isString)) options.stop = stop;
  else if (stop !== undefined && stop !== null) throw new HttpError(400, "`stop` must be a string or an array of strings");
  const n = field(body, "n", isNumber, "a number");
  if (n !== undefined && n !== 1) throw new HttpError(400, "`n` other than 1 is not supported");
  return options;
}

/** `response_format`: text (none), json_object (FORMAT json) or json_schema (that schema). */
function formatOf(body: Record<string, unknown>): Pick<GenerateRequest, "format"> {
  const rf = field(body, "response_format", isObject, "an object");
  if (!rf || rf.type === "text") return {};
  if (rf.type === "json_object") return { format: "json" };
  if (rf.type === "json_schema" && isObject(rf.json_schema) && isObject(rf.json_schema.schema)) return { format: rf.json_schema.schema };
  throw new HttpError(400, "`response_format` must be {type: \"text\"}, {type: \"json_object\"} or {type: \"json_schema\", json_schema: {schema}}");
}

function usage(r: GenerateResult) {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens };
}

const finishReason = (r: GenerateResult) => (r.finishReason === "length" ? "length" : "stop");

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  for (const name of ["tools", "functions", "logprobs"]) if (body[name] !== undefined && body[name] !== null && body[name] !== false && !(isArray(body[name]) && (body[name] as unknown[]).length === 0)) throw new HttpError(400, `\`${name}\` is not supported by modelsmith serve`);
  const list = field(body, "messages", isArray, "an array");
  if (!list || list.length === 0) throw new HttpError(400, "`messages` must hold at least one message");
  const messages: ChatMessage[] = list.map((m, i) => {
    if (!isObject(m) || !isString(m.role) || !ROLES.has(m.role)) throw new HttpError(400, `messages[${i}].role must be system, developer, user or assistant`);
    return { role: m.role === "developer" ? "system" : (m.role as ChatMessage["role"]), content: contentText(m.content, `messages[${i}]`) };
  });
  const request: GenerateRequest = { messages, options: optionsOf(body), ...formatOf(body) };
  const stream = field(body, "stream", isBoolean, "true or false") ?? false;
  const streamOptions = field(body, "stream_options", isObject, "an object");
  const base = { id: id("chatcmpl"), created: seconds(), model, system_fingerprint: "fp_modelsmith" };
  if (!stream) {
    const { result } = await generateFor(ctx, res, model, undefined, request);
    return sendJson(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: result.text }, finish_reason: finishReason(result), logprobs: null }],
      usage: usage(result),
    });
  }
  const chunk = (choices: unknown[], extra: object = {}) => ({ ...base, object: "chat.completion.chunk", choices, ...extra });
  let out: Stream | undefined;
  const { result } = await generateFor(ctx, res, model, undefined, request, (piece) => {
    out ??= sseStream(res);
    out.send(chunk([{ index: 0, delta: { role: "assistant", content: piece }, finish_reason: null }]));
  });
  out ??= sseStream(res);
  out.send(chunk([{ index: 0, delta: {}, finish_reason: finishReason(result) }]));
  if (streamOptions?.include_usage === true) out.send(chunk([], { usage: usage(result) }));
  out.end();
}

/** POST /v1/completions */
export async function completions(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  for (const name of ["suffix", "logprobs", "echo", "best_of"]) if (body[name] !== undefined && body[name] !== null && body[name] !== false && body[name] !== 1) throw new HttpError(400, `\`${name}\` is not supported by modelsmith serve`);
  let prompt = body.prompt;
  if (isArray(prompt) && prompt.length === 1 && isString(prompt[0])) prompt = prompt[0];
  if (!isString(prompt)) throw new HttpError(400, "`prompt` must be a string");
  const request: GenerateRequest = { prompt, options: optionsOf(body), ...formatOf(body) };
  const stream = field(body, "stream", isBoolean, "true or false") ?? false;
  const streamOptions = field(body, "stream_options", isObject, "an object");
  const base = { id: id("cmpl"), object: "text_completion", created: seconds(), model, system_fingerprint: "fp_modelsmith" };
  if (!stream) {
    const { result } = await generateFor(ctx, res, model, undefined, request);
    return sendJson(res, 200, { ...base, choices: [{ index: 0, text: result.text, finish_reason: finishReason(result), logprobs: null }], usage: usage(result) });
  }
  let out: Stream | undefined;
  const { result } = await generateFor(ctx, res, model, undefined, request, (piece) => {
    out ??= sseStream(res);
    out.send({ ...base, choices: [{ index: 0, text: piece, finish_reason: null, logprobs: null }] });
  });
  out ??= sseStream(res);
  out.send({ ...base, choices: [{ index: 0, text: "", finish_reason: finishReason(result), logprobs: null }] });
  if (streamOptions?.include_usage === true) out.send({ ...base, choices: [], usage: usage(result) });
  out.end();
}

/** GET /v1/models/{id}: one stored model as the list has it; 404 model_not_found for any other. */
export async function model(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = routeParam(req, "id");
  let name: string;
  try {
    name = displayShortest(parseModelName(id));
  } catch {
    throw new HttpError(404, `model "${id}" not found`);
  }
  const m = (await catalog(ctx.store, (n) => ctx.host.serves(n))).find((x) => x.name === name);
  if (!m) throw new HttpError(404, `model "${id}" not found`);
  sendJson(res, 200, modelObject(m));
}

const modelObject = (m: CatalogEntry) => ({ id: m.name, object: "model", created: Math.floor(m.modifiedAt.getTime() / 1000), owned_by: m.namespace });

/** GET /v1/models */
export async function models(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const list = await catalog(ctx.store, (name) => ctx.host.serves(name));
  sendJson(res, 200, { object: "list", data: list.map(modelObject) });
}
