import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OllamaTool, OllamaToolCall } from "../gotemplate/index.js";
import type { ChatMessage, GenerateRequest } from "../runtime/index.js";
import { field, HttpError, isArray, isBoolean, isNumber, isObject, isString, readJsonBody, sendJson } from "./http.js";
import { answerParsers, generateFor, type ApiContext } from "./ollama-api.js";
import { AnswerSplitter, type Said } from "./said.js";

/**
 * Anthropic's Messages API (`POST /v1/messages`) as Ollama serves it: the
 * request converted to a chat (FromMessagesRequest), the answer to a message
 * (ToMessagesResponse) or to Anthropic's stream events (StreamConverter).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go
 */

/** Ollama's anthropic.NewError: the error type by status, and a request id. */
export function anthropicError(status: number, message: string): { type: "error"; error: { type: string; message: string }; request_id: string } {
  const type =
    status === 400 ? "invalid_request_error"
    : status === 401 ? "authentication_error"
    : status === 403 ? "permission_error"
    : status === 404 ? "not_found_error"
    : status === 429 ? "rate_limit_error"
    : status === 503 || status === 529 ? "overloaded_error"
    : "api_error";
  return { type: "error", error: { type, message }, request_id: generateId("req") };
}

const generateId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

/** A `system`: a string, or text blocks joined. */
function systemOf(v: unknown): ChatMessage[] {
  if (isString(v)) return v === "" ? [] : [{ role: "system", content: v }];
  if (isArray(v)) {
    const text = v.map((b) => (isObject(b) && b.type === "text" && isString(b.text) ? b.text : "")).join("");
    return text === "" ? [] : [{ role: "system", content: text }];
  }
  return [];
}

/** A tool_result's content: a string, or its text blocks joined. */
function toolResultText(v: unknown): string {
  if (isString(v)) return v;
  if (!isArray(v)) return "";
  return v.map((b) => (isObject(b) && b.type === "text" && isString(b.text) ? b.text : "")).join("");
}

/**
 * Ollama's convertMessage: text blocks joined; tool_use blocks are the
 * message's tool calls; each tool_result a `tool` message (before a user's
 * own text); a thinking block the message's thinking. Images are refused.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go#L417-L552
 */
function convertMessage(m: unknown, i: number): ChatMessage[] {
  if (!isObject(m) || !isString(m.role) || !["user", "assistant"].includes(m.role.toLowerCase())) throw new HttpError(400, `messages.${i}.role: must be "user" or "assistant"`);
  const role = m.role.toLowerCase() as "user" | "assistant";
  const blocks: unknown[] = isString(m.content) ? [{ type: "text", text: m.content }] : isArray(m.content) ? m.content : [];
  let text = "";
  let thinking = "";
  const toolCalls: OllamaToolCall[] = [];
  const results: ChatMessage[] = [];
  for (const b of blocks) {
    if (!isObject(b)) continue;
    if (b.type === "text" && isString(b.text)) text += b.text;
    else if (b.type === "tool_use") {
      if (!isString(b.id) || b.id === "") throw new HttpError(400, "tool_use block missing required 'id' field");
      if (!isString(b.name) || b.name === "") throw new HttpError(400, "tool_use block missing required 'name' field");
      toolCalls.push({ id: b.id, function: { name: b.name, arguments: isObject(b.input) ? b.input : {} } });
    } else if (b.type === "tool_result") {
      results.push({ role: "tool", content: toolResultText(b.content), ...(isString(b.tool_use_id) ? { tool_call_id: b.tool_use_id } : {}) });
    } else if (b.type === "thinking" && isString(b.thinking)) thinking = b.thinking;
    else if (b.type === "image") throw new HttpError(400, "image blocks are not supported by modelsmith serve");
  }
  const out: ChatMessage[] = role === "user" ? [...results] : [];
  if (text !== "" || toolCalls.length > 0 || thinking !== "") out.push({ role, content: text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}), ...(thinking !== "" ? { thinking } : {}) });
  if (role !== "user") out.push(...results);
  return out;
}

/** Ollama's convertTool: `{name, description, input_schema}` as a function tool. */
function toolsOf(v: unknown): OllamaTool[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isArray(v)) throw new HttpError(400, "tools: must be an array");
  const tools = v.map((t, i) => {
    if (!isObject(t) || !isString(t.name) || t.name === "") throw new HttpError(400, `tools.${i}.name: Field required`);
    if (isString(t.type) && t.type.startsWith("web_search")) throw new HttpError(400, "the web_search tool is not supported by modelsmith serve");
    const schema = t.input_schema ?? { type: "object", properties: {} };
    if (!isObject(schema)) throw new HttpError(400, `invalid input_schema for tool ${JSON.stringify(t.name)}`);
    return { type: "function", function: { name: t.name, ...(isString(t.description) ? { description: t.description } : {}), parameters: { type: "object", ...schema } as OllamaTool["function"]["parameters"] } };
  });
  return tools.length > 0 ? tools : undefined;
}

/** `thinking` {type: enabled|disabled}, else output_config.effort, as Ollama reads them. */
function thinkOf(body: Record<string, unknown>): { think: boolean; level: string } | undefined {
  const t = field(body, "thinking", isObject, "an object");
  if (t?.type === "enabled") return { think: true, level: "" };
  if (t?.type === "disabled") return { think: false, level: "" };
  const oc = field(body, "output_config", isObject, "an object");
  let effort = oc && isString(oc.effort) ? oc.effort.trim().toLowerCase() : "";
  if (effort === "xhigh") effort = "high";
  return ["high", "medium", "low", "max"].includes(effort) ? { think: true, level: effort } : undefined;
}

/** Ollama's mapStopReason. */
function stopReason(reason: string, hasToolCalls: boolean): string {
  if (hasToolCalls) return "tool_use";
  return reason === "stop" ? "end_turn" : reason === "length" ? "max_tokens" : "stop_sequence";
}

/** POST /v1/messages */
export async function messages(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = field(body, "model", isString, "a string");
  if (!model) throw new HttpError(400, "model is required");
  const maxTokens = field(body, "max_tokens", isNumber, "a number");
  if (maxTokens === undefined || maxTokens <= 0 || !Number.isInteger(maxTokens)) throw new HttpError(400, "max_tokens is required and must be positive");
  const list = field(body, "messages", isArray, "an array");
  if (!list || list.length === 0) throw new HttpError(400, "messages is required");
  const msgs: ChatMessage[] = [...systemOf(body.system), ...list.flatMap(convertMessage)];
  const options: Record<string, unknown> = { num_predict: maxTokens };
  for (const name of ["temperature", "top_p", "top_k"]) {
    const v = field(body, name, isNumber, "a number");
    if (v !== undefined) options[name] = v;
  }
  const stops = field(body, "stop_sequences", isArray, "an array of strings");
  if (stops && stops.length > 0) {
    if (!stops.every(isString)) throw new HttpError(400, "stop_sequences: must be an array of strings");
    options.stop = stops;
  }
  const tools = toolsOf(body.tools);
  const { splitter, think } = await answerParsers(ctx, model, thinkOf(body), tools, true);
  const request: GenerateRequest = {
    messages: msgs,
    options,
    ...(tools ? { tools } : {}),
    ...(think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {}),
  };
  const id = generateId("msg");
  const stream = field(body, "stream", isBoolean, "true or false") ?? false;
  if (!stream) {
    const pieces: string[] = [];
    const { result } = await generateFor(ctx, res, model, undefined, request, (p) => pieces.push(p));
    const said = AnswerSplitter.whole(splitter, pieces);
    return sendJson(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [
        ...(said.thinking !== "" ? [{ type: "thinking", thinking: said.thinking }] : []),
        ...(said.content !== "" ? [{ type: "text", text: said.content }] : []),
        ...said.toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.function.name, input: c.function.arguments })),
      ],
      stop_reason: stopReason(result.finishReason, said.toolCalls.length > 0),
      usage: { input_tokens: result.promptTokens, output_tokens: result.completionTokens },
    });
  }
  const events = new StreamEvents(res, id, model);
  const { result } = await generateFor(ctx, res, model, undefined, request, (piece) => {
    const said = splitter.add(piece);
    if (said) events.said(said);
  });
  const rest = splitter.end();
  if (rest !== "") events.said({ content: rest, thinking: "", toolCalls: [] });
  events.done(result.finishReason, result.promptTokens, result.completionTokens);
}

/**
 * Ollama's StreamConverter: message_start, then per block content_block_start,
 * its deltas (thinking_delta, text_delta, input_json_delta with a call's whole
 * arguments) and content_block_stop, then message_delta with the stop reason
 * and usage, and message_stop. Headers go out with the first event.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/anthropic/anthropic.go#L749-L981
 */
class StreamEvents {
  private started = false;
  private index = 0;
  private thinkingStarted = false;
  private thinkingDone = false;
  private textStarted = false;
  private calls = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly id: string,
    private readonly model: string,
  ) {}

  private send(event: string, data: object): void {
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
      this.res.write(`event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: this.id, type: "message", role: "assistant", model: this.model, content: [], usage: { input_tokens: 0, output_tokens: 0 } } })}\n\n`);
    }
    this.res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  }

  private stop(): void {
    this.send("content_block_stop", { index: this.index });
    this.index++;
  }

  said(s: Said): void {
    if (s.thinking !== "" && !this.thinkingDone) {
      if (this.textStarted) {
        this.stop();
        this.textStarted = false;
      }
      if (!this.thinkingStarted) {
        this.thinkingStarted = true;
        this.send("content_block_start", { index: this.index, content_block: { type: "thinking", thinking: "" } });
      }
      this.send("content_block_delta", { index: this.index, delta: { type: "thinking_delta", thinking: s.thinking } });
    }
    if (s.content !== "") {
      if (this.thinkingStarted && !this.thinkingDone) {
        this.thinkingDone = true;
        this.stop();
      }
      if (!this.textStarted) {
        this.textStarted = true;
        this.send("content_block_start", { index: this.index, content_block: { type: "text", text: "" } });
      }
      this.send("content_block_delta", { index: this.index, delta: { type: "text_delta", text: s.content } });
    }
    for (const c of s.toolCalls) {
      if (this.thinkingStarted && !this.thinkingDone) {
        this.thinkingDone = true;
        this.stop();
      }
      if (this.textStarted) {
        this.stop();
        this.textStarted = false;
      }
      this.send("content_block_start", { index: this.index, content_block: { type: "tool_use", id: c.id, name: c.function.name, input: {} } });
      this.send("content_block_delta", { index: this.index, delta: { type: "input_json_delta", partial_json: JSON.stringify(c.function.arguments) } });
      this.stop();
      this.calls++;
    }
  }

  done(reason: string, inputTokens: number, outputTokens: number): void {
    if (this.textStarted || (this.thinkingStarted && !this.thinkingDone)) this.send("content_block_stop", { index: this.index });
    this.send("message_delta", { delta: { stop_reason: stopReason(reason, this.calls > 0) }, usage: { input_tokens: inputTokens, output_tokens: outputTokens } });
    this.send("message_stop", {});
    this.res.end();
  }
}
