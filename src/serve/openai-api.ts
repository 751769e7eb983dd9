import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChatMessage, GenerateRequest, GenerateResult } from "../runtime/index.js";
import { displayShortest, parseModelName } from "../store/index.js";
import { catalog, type CatalogEntry } from "./catalog.js";
import { field, HttpError, isArray, isBoolean, isNumber, isObject, isString, readJsonBody, sendJson, sseEvent, sseStream, type Stream } from "./http.js";
import { pieceFrame } from "./runner/frames.js";
import { answerParsers, generateFor, type ApiContext } from "./ollama-api.js";
import { AnswerSplitter, nothingSaid, type Said } from "./said.js";
import { toolCallId, toolsOf, type ToolCall } from "./tools.js";
import type { OllamaTool, OllamaToolCall } from "../gotemplate/index.js";
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

const ROLES = new Set(["system", "user", "assistant", "developer", "tool"]);
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

/** An OpenAI message's `tool_calls` (`[{id, type: "function", function: {name, arguments: "<JSON>"}}]`) as Ollama's; arguments that are not a JSON object are Ollama's 400 `invalid tool call arguments`. */
function openAiToolCalls(v: unknown, where: string): OllamaToolCall[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isArray(v)) throw new HttpError(400, `${where}.tool_calls must be an array`);
  return v.map((c, i) => {
    if (!isObject(c) || !isObject(c.function) || !isString(c.function.name)) throw new HttpError(400, `${where}.tool_calls[${i}] must be {id, type: "function", function: {name, arguments}}`);
    let args: unknown = c.function.arguments ?? "{}";
    if (isString(args)) {
      try {
        args = JSON.parse(args);
      } catch {
        throw new HttpError(400, "invalid tool call arguments", { param: `${where}.tool_calls[${i}].function.arguments` });
      }
    }
    if (!isObject(args)) throw new HttpError(400, "invalid tool call arguments", { param: `${where}.tool_calls[${i}].function.arguments` });
    return { ...(isString(c.id) ? { id: c.id } : {}), function: { name: c.function.name, arguments: args } };
  });
}

/**
 * The messages of a chat completion as Ollama's FromChatRequest converts
 * them: `developer` is a system message; a `tool` message's tool is its
 * `name`, else the name of the call its `tool_call_id` answers (the last
 * such call); an assistant's `reasoning` is its thinking.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L549-L636
 */
function chatMessages(list: unknown[]): ChatMessage[] {
  const calls = new Map<string, string>();
  return list.map((m, i) => {
    if (!isObject(m) || !isString(m.role) || !ROLES.has(m.role)) throw new HttpError(400, `messages[${i}].role must be system, developer, user, assistant or tool`);
    const toolCalls = openAiToolCalls(m.tool_calls, `messages[${i}]`);
    for (const c of toolCalls ?? []) if (c.id) calls.set(c.id, c.function.name);
    const toolCallId = isString(m.tool_call_id) ? m.tool_call_id : undefined;
    const toolName = m.role !== "tool" ? undefined : isString(m.name) && m.name !== "" ? m.name : toolCallId ? calls.get(toolCallId) : undefined;
    const reasoning = isString(m.reasoning) ? m.reasoning : isString(m.reasoning_content) ? m.reasoning_content : undefined;
    return {
      role: m.role === "developer" ? "system" : (m.role as ChatMessage["role"]),
      content: contentText(m.content, `messages[${i}]`),
      ...(reasoning ? { thinking: reasoning } : {}),
      ...(toolCalls && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      ...(toolName ? { tool_name: toolName } : {}),
      ...(toolCallId ? { tool_call_id: toolCallId } : {}),
    };
  });
}

/**
 * Ollama's thinkFromReasoningEffort: `reasoning.effort` or
 * `reasoning_effort` to a `think` value ("none" false, "minimal" low,
 * "xhigh"/"ultra" max); absent leaves the model's default.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L531-L547
 */
export function thinkFromEffort(body: Record<string, unknown>): { think: boolean; level: string } | undefined {
  const reasoning = field(body, "reasoning", isObject, "an object");
  const effort = reasoning && isString(reasoning.effort) ? reasoning.effort : field(body, "reasoning_effort", isString, "a string");
  switch (effort) {
    case undefined:
    case "":
      return undefined;
    case "none":
      return { think: false, level: "" };
    case "minimal":
      return { think: true, level: "low" };
    case "low":
    case "medium":
    case "high":
    case "max":
      return { think: true, level: effort };
    case "xhigh":
    case "ultra":
      return { think: true, level: "max" };
    default:
      throw new HttpError(400, `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`, { param: "reasoning_effort" });
  }
}

/**
 * `tool_choice`: "auto" (absent; Ollama's only behaviour: the model may call
 * a tool, found in its output by the template's tag), "none" (the tools are
 * not offered), "required" or `{type: "function", function: {name}}`: then
 * the answer is constrained by a grammar to one call, `{"name": ...,
 * "arguments": {...}}` with the tool's parameters as the arguments' schema
 * (Ollama ignores tool_choice; see docs/decisions.md).
 */
export function toolChoiceOf(body: Record<string, unknown>, tools: OllamaTool[] | undefined): { tools: OllamaTool[] | undefined; forced?: OllamaTool[] } {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null || choice === "auto") return { tools };
  if (choice === "none") return { tools: undefined };
  if (!tools) throw new HttpError(400, "`tool_choice` needs `tools`", { param: "tool_choice" });
  if (choice === "required") return { tools, forced: tools };
  if (isObject(choice) && choice.type === "function" && isObject(choice.function) && isString(choice.function.name)) {
    const name = choice.function.name;
    const tool = tools.find((t) => t.function.name === name);
    if (!tool) throw new HttpError(400, `tool_choice names ${JSON.stringify(name)}, which is not among the tools`, { param: "tool_choice" });
    return { tools, forced: [tool] };
  }
  throw new HttpError(400, '`tool_choice` must be "none", "auto", "required" or {type: "function", function: {name}}', { param: "tool_choice" });
}

/** The JSON Schema of one call to any of `tools`: what a forced tool_choice constrains the answer to. */
export function toolCallSchema(tools: readonly OllamaTool[]): object {
  const one = (t: OllamaTool) => ({
    type: "object",
    properties: { name: { const: t.function.name }, arguments: t.function.parameters },
    required: ["name", "arguments"],
    additionalProperties: false,
  });
  return tools.length === 1 ? one(tools[0]!) : { oneOf: tools.map(one) };
}

/** A forced call's answer (`{"name", "arguments"}`, as its grammar makes it) as a tool call. */
function forcedCall(text: string, tools: readonly OllamaTool[]): ToolCall[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(v) || !isString(v.name) || !isObject(v.arguments) || !tools.some((t) => t.function.name === v.name)) return [];
  return [{ id: toolCallId(), function: { index: 0, name: v.name, arguments: v.arguments } }];
}

/** Ollama's ToToolCalls: arguments as a JSON string, the call's index beside its id. */
const openAiCalls = (calls: readonly ToolCall[]) => calls.map((c) => ({ id: c.id, index: c.function.index, type: "function", function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) } }));

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body);
  for (const name of ["functions", "logprobs"]) if (body[name] !== undefined && body[name] !== null && body[name] !== false && !(isArray(body[name]) && (body[name] as unknown[]).length === 0)) throw new HttpError(400, `\`${name}\` is not supported by modelsmith serve`);
  const list = field(body, "messages", isArray, "an array");
  if (!list || list.length === 0) throw new HttpError(400, "`messages` must hold at least one message");
  const messages = chatMessages(list);
  const { tools, forced } = toolChoiceOf(body, toolsOf(body));
  const { splitter, think } = await answerParsers(ctx, model, thinkFromEffort(body), forced ? undefined : tools);
  const request: GenerateRequest = {
    messages,
    options: optionsOf(body),
    ...(tools ? { tools } : {}),
    ...(forced ? { format: toolCallSchema(forced) } : formatOf(body)),
    ...(think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {}),
  };
  const stream = field(body, "stream", isBoolean, "true or false") ?? false;
  const streamOptions = field(body, "stream_options", isObject, "an object");
  const base = { id: id("chatcmpl"), created: seconds(), model, system_fingerprint: "fp_modelsmith" };
  // Ollama's ToChatCompletion/FinishChunk: "stop" becomes "tool_calls" when the answer called a tool.
  const finish = (r: GenerateResult, called: boolean) => (finishReason(r) === "stop" && called ? "tool_calls" : finishReason(r));
  if (!stream) {
    const pieces: string[] = [];
    const { result } = await generateFor(ctx, res, model, undefined, request, (p) => pieces.push(p));
    const said = forced ? { ...nothingSaid(), toolCalls: forcedCall(result.text, forced) } : AnswerSplitter.whole(splitter, pieces);
    if (forced && said.toolCalls.length === 0) said.content = result.text;
    const calls = openAiCalls(said.toolCalls);
    return sendJson(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: said.content, ...(said.thinking !== "" ? { reasoning: said.thinking } : {}), ...(calls.length > 0 ? { tool_calls: calls } : {}) },
          finish_reason: finish(result, calls.length > 0),
          logprobs: null,
        },
      ],
      usage: usage(result),
    });
  }
  const chunk = (choices: unknown[], extra: object = {}) => ({ ...base, object: "chat.completion.chunk", choices, ...extra });
  let out: Stream | undefined;
  let first = true;
  let called = false;
  // Ollama's ToStreamChunks: a piece with both reasoning and content or calls goes as two chunks, the reasoning first.
  const send = (said: Said) => {
    out ??= sseStream(res);
    const role = first ? { role: "assistant" } : {};
    first = false;
    const calls = openAiCalls(said.toolCalls);
    if (calls.length > 0) called = true;
    const mixed = said.thinking !== "" && (said.content !== "" || calls.length > 0);
    if (mixed) {
      out.send(chunk([{ index: 0, delta: { ...role, reasoning: said.thinking }, finish_reason: null }]));
      out.send(chunk([{ index: 0, delta: { content: said.content, ...(calls.length > 0 ? { tool_calls: calls } : {}) }, finish_reason: null }]));
      return;
    }
    out.send(chunk([{ index: 0, delta: { ...role, content: said.content, ...(said.thinking !== "" ? { reasoning: said.thinking } : {}), ...(calls.length > 0 ? { tool_calls: calls } : {}) }, finish_reason: null }]));
  };
  const forcedPieces: string[] = [];
  // After the first (the one with the role), every piece is a chunk of its own content: a runner can write them (handoffOf).
  const frame = !forced && splitter.passthrough ? pieceFrame((content) => sseEvent(chunk([{ index: 0, delta: { content }, finish_reason: null }])), true) : undefined;
  const onPiece = (piece: string) => {
    if (forced) {
      forcedPieces.push(piece);
      return;
    }
    const said = splitter.add(piece);
    if (said) send(said);
  };
  const { result } = await generateFor(ctx, res, model, undefined, request, onPiece, frame);
  if (forced) {
    const calls = forcedCall(forcedPieces.join(""), forced);
    send(calls.length > 0 ? { ...nothingSaid(), toolCalls: calls } : { ...nothingSaid(), content: forcedPieces.join("") });
  } else {
    const rest = splitter.end();
    if (rest !== "") send({ ...nothingSaid(), content: rest });
  }
  out ??= sseStream(res);
  out.send(chunk([{ index: 0, delta: {}, finish_reason: finish(result, called) }]));
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
  const piece = (text: string) => ({ ...base, choices: [{ index: 0, text, finish_reason: null, logprobs: null }] });
  const onPiece = (text: string) => {
    out ??= sseStream(res);
    out.send(piece(text));
  };
  const { result } = await generateFor(ctx, res, model, undefined, request, onPiece, pieceFrame((text) => sseEvent(piece(text)), false));
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
    throw new HttpError(404, `model '${id}' not found`);
  }
  const m = (await catalog(ctx.store, (n) => ctx.host.serves(n))).find((x) => x.name === name);
  if (!m) throw new HttpError(404, `model '${id}' not found`);
  sendJson(res, 200, modelObject(m));
}

const modelObject = (m: CatalogEntry) => ({ id: m.name, object: "model", created: Math.floor(m.modifiedAt.getTime() / 1000), owned_by: m.namespace });

/** GET /v1/models */
export async function models(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const list = await catalog(ctx.store, (name) => ctx.host.serves(name));
  sendJson(res, 200, { object: "list", data: list.map(modelObject) });
}
