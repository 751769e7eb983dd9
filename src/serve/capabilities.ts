import { inferThinkingTags, parseTemplate, templateVars } from "../gotemplate/index.js";
import type { ModelDetails } from "../inspect/index.js";
import { namedTemplate } from "../templates/index.js";
import { HttpError, isBoolean, isString } from "./http.js";

/** What `/api/show` lists and what `think` checks against: the subset of Ollama's capabilities modelsmith serves. */
export type Capability = "completion" | "tools" | "thinking";

/**
 * The capabilities of a stored model as Ollama derives them: completion
 * always (no `pooling_type`: not an embedding model), thinking when the
 * template can think. The template is the TEMPLATE layer when there is one
 * (Ollama's goTemplateCapabilities: both thinking tags inferable), else the
 * GGUF's chat template (chatTemplateHasThinkingSupport: `<think>` and
 * `</think>`, or a split at `</think>`).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L187-L261
 */
export function modelCapabilities(details: Pick<ModelDetails, "template" | "chatTemplate">): Capability[] {
  const d = rendering(details);
  return ["completion", ...(takesTools(d) ? (["tools"] as const) : []), ...(canThink(d) ? (["thinking"] as const) : [])];
}

/**
 * The templates modelsmith renders with: a TEMPLATE layer the build detected
 * from the GGUF's chat template (for Ollama) is set aside, as the runtime sets
 * it aside, so capabilities follow the Jinja that renders the prompt.
 */
function rendering(d: Pick<ModelDetails, "template" | "chatTemplate">): Pick<ModelDetails, "template" | "chatTemplate"> {
  if (d.template === undefined || d.chatTemplate === undefined || namedTemplate(d.chatTemplate)?.template !== d.template) return d;
  return d.chatTemplate === undefined ? {} : { chatTemplate: d.chatTemplate };
}

/**
 * Tools as Ollama's Capabilities decides (in this order: completion, tools,
 * thinking): `.Tools` among a TEMPLATE's variables, else "tools" or
 * "tool_call" in the GGUF's chat template.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L202-L204
 */
function takesTools(d: Pick<ModelDetails, "template" | "chatTemplate">): boolean {
  if (d.template !== undefined) {
    try {
      return templateVars(parseTemplate(d.template)).includes("tools");
    } catch {
      return false;
    }
  }
  const chat = d.chatTemplate;
  return chat !== undefined && (chat.includes("tools") || chat.includes("tool_call"));
}

/** The thinking tags of a model's TEMPLATE (["", ""] without one, or when it cannot think). */
export function thinkingTags(details: Pick<ModelDetails, "template" | "chatTemplate">): [string, string] {
  const d = rendering(details);
  if (d.template === undefined) return ["", ""];
  try {
    return inferThinkingTags(parseTemplate(d.template));
  } catch {
    // a template that does not parse fails the request later, with its own error
    return ["", ""];
  }
}

function canThink(d: Pick<ModelDetails, "template" | "chatTemplate">): boolean {
  if (d.template !== undefined) {
    const [open, close] = thinkingTags(d);
    return open !== "" && close !== "";
  }
  const chat = d.chatTemplate;
  if (!chat) return false;
  if (chat.includes("<think>") && chat.includes("</think>")) return true;
  return (chat.includes("content.split('</think>')") || chat.includes('content.split("</think>")')) && !chat.includes("reasoning_content") && !chat.includes("<SPECIAL_12>");
}

/**
 * Ollama's `think` (api.ThinkValue): true, false, or a level ("high",
 * "medium", "low", "max"); undefined when absent. Any level asks for
 * thinking, as ThinkValue.Bool() has it; other values are 400 with Ollama's message.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L1202-L1222
 */
export function thinkOf(body: Record<string, unknown>): { think: boolean; level: string } | undefined {
  const v = body.think;
  if (v === undefined || v === null) return undefined;
  if (isBoolean(v)) return { think: v, level: "" };
  if (isString(v) && ["high", "medium", "low", "max"].includes(v)) return { think: true, level: v };
  if (isString(v)) throw new HttpError(400, `invalid think value: ${JSON.stringify(v)} (must be "high", "medium", "low", "max", true, or false)`);
  throw new HttpError(400, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)');
}
