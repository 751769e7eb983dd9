import { randomInt } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OllamaTool, OllamaToolCall } from "../gotemplate/index.js";
import type { ChatMessage, GenerateRequest } from "../runtime/index.js";
import { field, HttpError, isArray, isBoolean, isNumber, isObject, isString, readJsonBody, sendJson } from "./http.js";
import { answerParsers, generateFor, type ApiContext } from "./ollama-api.js";
import { thinkFromEffort } from "./openai-api.js";
import { AnswerSplitter, type Said } from "./said.js";
import type { ToolCall } from "./tools.js";

/**
 * OpenAI's Responses API (`POST /v1/responses`), stateless, as Ollama serves
 * it since 0.13: the input items converted to a chat (FromResponsesRequest),
 * the answer to a response object (ToResponse) or to its stream events
 * (ResponsesStreamConverter). No previous_response_id, no storage.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go
 */

/** Input content: a string, or input_text/output_text parts joined; other parts are a 400. */
function contentText(v: unknown, where: string): string {
  if (isString(v)) return v;
  if (!isArray(v)) return "";
  return v
    .map((p, i) => {
      if (isObject(p) && (p.type === "input_text" || p.type === "output_text") && isString(p.text)) return p.text;
      throw new HttpError(400, `${where}.content[${i}]: only input_text and output_text parts are supported`, { param: "input" });
    })
    .join("");
}

/**
 * Ollama's FromResponsesRequest for the input: instructions as a system
 * message; a string input as a user message; items: messages, function_call
 * (merged into the assistant message before it), function_call_output (a tool
 * message), reasoning (the next assistant message's thinking).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go#L416-L538
 */
function inputMessages(body: Record<string, unknown>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const instructions = field(body, "instructions", isString, "a string");
  if (instructions) messages.push({ role: "system", content: instructions });
  const input = body.input;
  if (isString(input)) {
    if (input !== "") messages.push({ role: "user", content: input });
    return messages;
  }
  if (!isArray(input)) throw new HttpError(400, "`input` must be a string or an array of input items", { param: "input" });
  let pendingThinking = "";
  input.forEach((item, i) => {
    if (!isObject(item)) throw new HttpError(400, `input[${i}] must be an object`, { param: "input" });
    const type = item.type ?? (item.role !== undefined ? "message" : undefined);
    if (type === "reasoning") {
      pendingThinking = isString(item.encrypted_content) ? item.encrypted_content : isArray(item.summary) ? item.summary.map((s) => (isObject(s) && isString(s.text) ? s.text : "")).join("") : "";
    } else if (type === "message") {
      if (!isString(item.role) || !["system", "developer", "user", "assistant"].includes(item.role)) throw new HttpError(400, `input[${i}].role must be system, developer, user or assistant`, { param: "input" });
      const m: ChatMessage = { role: item.role === "developer" ? "system" : (item.role as ChatMessage["role"]), content: contentText(item.content, `input[${i}]`) };
      if (m.role === "assistant" && pendingThinking !== "") {
        m.thinking = pendingThinking;
        pendingThinking = "";
      }
      messages.push(m);
    } else if (type === "function_call") {
      if (!isString(item.name) || !isString(item.call_id)) throw new HttpError(400, `input[${i}]: a function_call needs name and call_id`, { param: "input" });
      let args: unknown = {};
      if (isString(item.arguments) && item.arguments !== "") {
        try {
          args = JSON.parse(item.arguments);
        } catch (err) {
          throw new HttpError(400, `failed to parse function call arguments: ${(err as Error).message}`, { param: "input" });
        }
      }
      const call: OllamaToolCall = { id: item.call_id, function: { name: item.name, arguments: isObject(args) ? args : {} } };
      const last = messages[messages.length - 1];
      if (last?.role === "assistant") {
        last.tool_calls = [...(last.tool_calls ?? []), call];
        if (pendingThinking !== "") last.thinking = pendingThinking;
      } else messages.push({ role: "assistant", content: "", tool_calls: [call], ...(pendingThinking !== "" ? { thinking: pendingThinking } : {}) });
      pendingThinking = "";
    } else if (type === "function_call_output") {
      const output = isString(item.output) ? item.output : contentText(item.output, `input[${i}]`);
      messages.push({ role: "tool", content: output, ...(isString(item.call_id) ? { tool_call_id: item.call_id } : {}) });
    } else throw new HttpError(400, `input[${i}]: items of type ${JSON.stringify(type)} are not supported`, { param: "input" });
  });
  if (pendingThinking !== "") messages.push({ role: "assistant", content: "", thinking: pendingThinking });
  return messages;
}

/** Function tools (`{type: "function", name, description, parameters}`) as Ollama's; other tool types are a 400. */
function toolsOf(v: unknown): OllamaTool[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isArray(v)) throw new HttpError(400, "`tools` must be an array", { param: "tools" });
  const tools = v.map((t, i) => {
    if (!isObject(t) || t.type !== "function" || !isString(t.name)) throw new HttpError(400, `tools[${i}]: only function tools ({type: "function", name, parameters}) are supported`, { param: "tools" });
    const parameters = isObject(t.parameters) ? t.parameters : { type: "object", properties: {} };
    return { type: "function", function: { name: t.name, ...(isString(t.description) ? { description: t.description } : {}), parameters: { type: "object", ...parameters } as OllamaTool["function"]["parameters"] } };
  });
  return tools.length > 0 ? tools : undefined;
}

const nowS = () => Math.floor(Date.now() / 1000);
const messageItem = (id: string, text: string, status = "completed") => ({ id, type: "message", status, role: "assistant", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] });
const reasoningItem = (id: string, thinking: string) => ({ id, type: "reasoning", summary: [{ type: "summary_text", text: thinking }], encrypted_content: thinking });
const callItem = (id: string, c: ToolCall) => ({ id, type: "function_call", status: "completed", call_id: c.id, name: c.function.name, arguments: JSON.stringify(c.function.arguments) });

/** POST /v1/responses */
export async function responses(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = field(body, "model", isString, "a string");
  if (!model) throw new HttpError(400, "`model` is required", { param: "model" });
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) throw new HttpError(400, "`previous_response_id` is not supported: this server keeps no responses (send the whole input)", { param: "previous_response_id" });
  const messages = inputMessages(body);
  if (messages.length === 0) throw new HttpError(400, "`input` is empty", { param: "input" });
  const options: Record<string, unknown> = {};
  const temperature = field(body, "temperature", isNumber, "a number");
  // The Modelfile's temperature holds unless the request sets one (Ollama imposes 1.0 here; see docs/decisions.md).
  if (temperature !== undefined) options.temperature = temperature;
  const topP = field(body, "top_p", isNumber, "a number");
  if (topP !== undefined) options.top_p = topP;
  const maxOutput = field(body, "max_output_tokens", isNumber, "an integer");
  if (maxOutput !== undefined) {
    if (!Number.isInteger(maxOutput) || maxOutput < 1) throw new HttpError(400, `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 1, but got ${maxOutput} instead.`, { param: "max_output_tokens", code: "integer_below_min_value" });
    options.num_predict = maxOutput;
  }
  const text = field(body, "text", isObject, "an object");
  const format = text && isObject(text.format) && text.format.type === "json_schema" && isObject(text.format.schema) ? text.format.schema : undefined;
  const tools = toolsOf(body.tools);
  const { splitter, think } = await answerParsers(ctx, model, thinkFromEffort(body), tools);
  const request: GenerateRequest = {
    messages,
    options,
    ...(tools ? { tools } : {}),
    ...(format ? { format } : {}),
    ...(think ? { think: think.level === "" ? think.think : (think.level as GenerateRequest["think"]) } : {}),
  };
  const responseId = `resp_${randomInt(999999)}`;
  const itemId = `msg_${randomInt(999999)}`;
  const reasoning = isObject(body.reasoning) ? { effort: body.reasoning.effort ?? null, summary: body.reasoning.summary ?? null } : null;
  const responseObject = (status: string, output: unknown[], usage: unknown, completed: boolean) => ({
    id: responseId,
    object: "response",
    created_at: nowS(),
    completed_at: completed ? nowS() : null,
    status,
    incomplete_details: null,
    model,
    previous_response_id: null,
    instructions: isString(body.instructions) && body.instructions !== "" ? body.instructions : null,
    output,
    error: null,
    tools: isArray(body.tools) ? body.tools : [],
    tool_choice: "auto",
    truncation: isString(body.truncation) ? body.truncation : "disabled",
    parallel_tool_calls: true,
    text: { format: text && isObject(text.format) ? text.format : { type: "text" } },
    top_p: topP ?? 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    top_logprobs: 0,
    temperature: temperature ?? null,
    reasoning,
    usage,
    max_output_tokens: maxOutput ?? null,
    max_tool_calls: null,
    store: false,
    background: field(body, "background", isBoolean, "true or false") ?? false,
    service_tier: "default",
    metadata: {},
    safety_identifier: null,
    prompt_cache_key: null,
  });
  const usageOf = (r: { promptTokens: number; completionTokens: number }) => ({
    input_tokens: r.promptTokens,
    output_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  });
  const stream = field(body, "stream", isBoolean, "true or false") ?? false;
  if (!stream) {
    const pieces: string[] = [];
    const { result } = await generateFor(ctx, res, model, undefined, request, (p) => pieces.push(p));
    const said = AnswerSplitter.whole(splitter, pieces);
    // Ollama's ToResponse: a reasoning item, then the function calls or (without any) the message.
    const output = [
      ...(said.thinking !== "" ? [reasoningItem(`rs_${responseId}`, said.thinking)] : []),
      ...(said.toolCalls.length > 0 ? said.toolCalls.map((c, i) => callItem(`fc_${responseId}_${i}`, c)) : [messageItem(itemId, said.content)]),
    ];
    return sendJson(res, 200, responseObject("completed", output, usageOf(result), true));
  }
  const events = new ResponseEvents(res, itemId, (status, output) => responseObject(status, output, null, false));
  const { result } = await generateFor(ctx, res, model, undefined, request, (piece) => {
    const said = splitter.add(piece);
    if (said) events.said(said);
  });
  const rest = splitter.end();
  if (rest !== "") events.said({ content: rest, thinking: "", toolCalls: [] });
  events.done({ ...responseObject("completed", events.finalOutput(), usageOf(result), true) });
}

/**
 * Ollama's ResponsesStreamConverter: response.created and .in_progress; a
 * reasoning item's summary deltas; each function call as an output item with
 * its arguments; else the message's output_text deltas; response.completed
 * with the whole output. Every event carries a sequence_number.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/responses.go#L1084-L1624
 */
class ResponseEvents {
  private seq = 0;
  private started = false;
  private outputIndex = 0;
  private reasoningId = "";
  private thinking = "";
  private textStarted = false;
  private text = "";
  private callsSent = false;
  private readonly completed: unknown[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly itemId: string,
    private readonly response: (status: string, output: unknown[]) => object,
  ) {}

  private send(type: string, data: object): void {
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
      this.send("response.created", { response: this.response("in_progress", []) });
      this.send("response.in_progress", { response: this.response("in_progress", []) });
    }
    this.res.write(`event: ${type}\ndata: ${JSON.stringify({ ...data, type, sequence_number: this.seq++ })}\n\n`);
  }

  private finishReasoning(): void {
    if (this.reasoningId === "") return;
    const item = reasoningItem(this.reasoningId, this.thinking);
    this.completed.push(item);
    this.send("response.reasoning_summary_text.done", { item_id: this.reasoningId, output_index: this.outputIndex, summary_index: 0, text: this.thinking });
    this.send("response.output_item.done", { output_index: this.outputIndex, item });
    this.reasoningId = "";
    this.thinking = "";
    this.outputIndex++;
  }

  said(s: Said): void {
    if (s.thinking !== "") {
      if (this.reasoningId === "") {
        this.reasoningId = `rs_${randomInt(999999)}`;
        this.send("response.output_item.added", { output_index: this.outputIndex, item: { id: this.reasoningId, type: "reasoning", summary: [] } });
      }
      this.thinking += s.thinking;
      this.send("response.reasoning_summary_text.delta", { item_id: this.reasoningId, output_index: this.outputIndex, summary_index: 0, delta: s.thinking });
    }
    if (s.toolCalls.length > 0) {
      this.finishReasoning();
      s.toolCalls.forEach((c, i) => {
        const outputIndex = this.outputIndex + i;
        const item = callItem(`fc_${randomInt(999999)}_${i}`, c);
        this.completed.push(item);
        this.send("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", arguments: "" } });
        this.send("response.function_call_arguments.delta", { item_id: item.id, output_index: outputIndex, delta: item.arguments });
        this.send("response.function_call_arguments.done", { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
        this.send("response.output_item.done", { output_index: outputIndex, item });
      });
      this.outputIndex += s.toolCalls.length;
      this.callsSent = true;
      return;
    }
    if (this.callsSent || s.content === "") return;
    this.finishReasoning();
    if (!this.textStarted) {
      this.textStarted = true;
      this.send("response.output_item.added", { output_index: this.outputIndex, item: { ...messageItem(this.itemId, "", "in_progress"), content: [] } });
      this.send("response.content_part.added", { item_id: this.itemId, output_index: this.outputIndex, content_index: 0, part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
    }
    this.text += s.content;
    this.send("response.output_text.delta", { item_id: this.itemId, output_index: this.outputIndex, content_index: 0, delta: s.content, logprobs: [] });
  }

  finalOutput(): unknown[] {
    this.finishReasoning();
    return [...this.completed, ...(this.textStarted ? [messageItem(this.itemId, this.text)] : [])];
  }

  done(response: object): void {
    if (!this.callsSent && this.textStarted) {
      const part = { type: "output_text", text: this.text, annotations: [], logprobs: [] };
      this.send("response.output_text.done", { item_id: this.itemId, output_index: this.outputIndex, content_index: 0, text: this.text, logprobs: [] });
      this.send("response.content_part.done", { item_id: this.itemId, output_index: this.outputIndex, content_index: 0, part });
      this.send("response.output_item.done", { output_index: this.outputIndex, item: messageItem(this.itemId, this.text) });
    }
    this.send("response.completed", { response });
    this.res.end();
  }
}
