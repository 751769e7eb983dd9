import { Template } from "@huggingface/jinja";
import { error, InputError } from "../diagnostics/index.js";
import { parseTemplate, renderOllamaPrompt, TemplateExecError, TemplateSyntaxError, type OllamaValues, type TemplateAST } from "../gotemplate/index.js";
import type { ChatMessage, GenerateRequest } from "./types.js";

/** The GGUF's own chat template (`tokenizer.chat_template`), used when a model has no TEMPLATE layer. */
export interface GgufChatTemplate {
  /** Jinja source. */
  template: string;
  /** Text of the BOS and EOS tokens, passed as `bos_token` / `eos_token`. */
  bosToken: string;
  eosToken: string;
  /** Whether the tokenizer adds BOS itself; then a BOS the template writes first is dropped (llama.cpp does the same). */
  addBos: boolean;
}

/** The layers that shape a prompt. */
export interface PromptLayers {
  /** TEMPLATE (Go template syntax). */
  template?: string;
  /** SYSTEM; empty means none. */
  system?: string;
  /** MESSAGE history. */
  messages: readonly ChatMessage[];
  /** Used when there is no TEMPLATE. */
  chatTemplate?: GgufChatTemplate;
}

export interface RenderedPrompt {
  text: string;
  /** What made the text: no template (raw), the TEMPLATE, the GGUF's chat template, or Ollama's default `{{ .Prompt }}`. */
  via: "raw" | "template" | "chat-template" | "default";
  /** The messages the template saw (empty for raw). */
  messages: ChatMessage[];
}

/** Ollama's template for a model that has none. */
export const OLLAMA_DEFAULT_TEMPLATE = "{{ .Prompt }}";

const ROLES = new Set(["system", "user", "assistant", "tool"]);

/**
 * The prompt text of a request, exactly as Ollama builds it; pure.
 *
 * - raw: the prompt as it is.
 * - prompt form (`/api/generate`): [SYSTEM] + MESSAGEs + {user: prompt}.
 * - messages form (`/api/chat`): MESSAGEs + the request's messages, with SYSTEM
 *   first unless the request's first message is a system message.
 *
 * The messages go through the TEMPLATE with Ollama's Template.Execute
 * (`renderOllamaPrompt`); without a TEMPLATE through the GGUF's Jinja chat
 * template (add_generation_prompt true, a leading BOS dropped when the tokenizer
 * adds one, as llama.cpp does); without either through `{{ .Prompt }}`.
 * Throws InputError MS8006 for a malformed request, MS8007 when a template fails.
 */
export function renderPrompt(layers: PromptLayers, req: Pick<GenerateRequest, "prompt" | "messages" | "raw" | "think" | "tools">): RenderedPrompt {
  const messages = requestMessages(layers, req);
  if (req.raw) return { text: req.prompt ?? "", via: "raw", messages: [] };
  const think = req.think === undefined ? {} : { think: req.think !== false, thinkLevel: typeof req.think === "string" ? req.think : "", isThinkSet: true };
  const tools = req.tools && req.tools.length > 0 ? { tools: req.tools } : {};
  if (layers.template !== undefined) return { text: renderGo(parseGo(layers.template, "TEMPLATE"), messages, "TEMPLATE", { ...think, ...tools }), via: "template", messages };
  if (layers.chatTemplate !== undefined) return { text: renderJinja(layers.chatTemplate, messages, { ...(req.think === undefined ? {} : { enable_thinking: req.think !== false }), ...tools }), via: "chat-template", messages };
  return { text: renderGo(parseGo(OLLAMA_DEFAULT_TEMPLATE, "default template"), messages, "default template", { ...think, ...tools }), via: "default", messages };
}

/** The message list the template sees (see {@link renderPrompt}). */
export function requestMessages(layers: PromptLayers, req: Pick<GenerateRequest, "prompt" | "messages" | "raw">): ChatMessage[] {
  const bad = (m: string) => new InputError(error("MS8006", m));
  if (req.prompt !== undefined && req.messages !== undefined) throw bad("a request has either `prompt` or `messages`, not both");
  if (req.raw) {
    if (req.prompt === undefined) throw bad("a raw request needs a `prompt`");
    return [];
  }
  const system: ChatMessage[] = layers.system ? [{ role: "system", content: layers.system }] : [];
  if (req.messages !== undefined) {
    if (req.messages.length === 0) throw bad("`messages` is empty");
    req.messages.forEach((m, i) => {
      if (!ROLES.has(m.role)) throw bad(`messages[${i}].role is ${JSON.stringify(m.role)}; roles are system, user, assistant and tool`);
      if (typeof m.content !== "string") throw bad(`messages[${i}].content is not a string`);
    });
    const head = req.messages[0]!.role === "system" ? [] : system;
    return [...head, ...layers.messages, ...req.messages];
  }
  if (req.prompt === undefined) throw bad("a request needs a `prompt` or `messages`");
  return [...system, ...layers.messages, { role: "user", content: req.prompt }];
}

function parseGo(text: string, what: string): TemplateAST {
  try {
    return parseTemplate(text);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new InputError(error("MS8007", `${what}: ${err.message}`), { cause: err });
    throw err;
  }
}

function renderGo(ast: TemplateAST, messages: ChatMessage[], what: string, extra: Omit<OllamaValues, "messages"> = {}): string {
  try {
    return renderOllamaPrompt(ast, { messages, ...extra });
  } catch (err) {
    if (err instanceof TemplateExecError) throw new InputError(error("MS8007", `${what}: ${err.message}`), { cause: err });
    throw err;
  }
}

function renderJinja(chat: GgufChatTemplate, messages: ChatMessage[], extra: Record<string, unknown> = {}): string {
  let text: string;
  try {
    text = new Template(chat.template).render({ messages, add_generation_prompt: true, bos_token: chat.bosToken, eos_token: chat.eosToken, ...extra });
  } catch (err) {
    throw new InputError(error("MS8007", `the GGUF's chat template: ${(err as Error).message}`), { cause: err });
  }
  return chat.addBos && chat.bosToken !== "" && text.startsWith(chat.bosToken) ? text.slice(chat.bosToken.length) : text;
}
