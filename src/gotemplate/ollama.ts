import type { ActionNode, ArgNode, ListNode, Node, PipeNode, TemplateAST } from "./ast.js";
import { renderTemplate, type RenderOptions } from "./exec.js";
import { templateMessage, templateTools, type OllamaMessage, type OllamaTool } from "./ollama-data.js";
import { templateVars } from "./vars.js";

/** What Ollama's Template.Execute receives (template.Values). */
export interface OllamaValues {
  messages?: OllamaMessage[];
  tools?: OllamaTool[];
  prompt?: string;
  suffix?: string;
  think?: boolean;
  thinkLevel?: string;
  isThinkSet?: boolean;
}

/**
 * Renders a prompt exactly as Ollama's Template.Execute does:
 *
 * 1. Messages are collated: consecutive messages of one role (except "tool")
 *    are joined with "\n\n"; all system messages joined form `.System`.
 * 2. With both prompt and suffix: one execution on {Prompt, Suffix, Response:""}.
 * 3. Else, when the template mentions `.Messages` (any case): one execution on
 *    {System, Messages, Tools, Response:""}.
 * 4. Else the legacy path: the template runs once per completed
 *    prompt/response pair, then once more on a copy cut right after the first
 *    `{{ .Response }}`, so the prompt ends where the model's reply begins.
 *
 * Like Ollama's Parse, a template that mentions neither `.Messages` nor
 * `.Response` gets `{{ .Response }}` appended. Think, ThinkLevel and IsThinkSet
 * are passed on every path.
 */
export function renderOllamaPrompt(ast: TemplateAST, values: OllamaValues, opts: RenderOptions = {}): string {
  const vars = templateVars(ast);
  const tmpl = vars.includes("messages") || vars.includes("response") ? ast : withResponse(ast);
  const think = { Think: values.think ?? false, ThinkLevel: values.thinkLevel ?? "", IsThinkSet: values.isThinkSet ?? false };
  const { system, messages } = collate(values.messages ?? []);
  if (values.prompt && values.suffix) {
    return renderTemplate(tmpl, { Prompt: values.prompt, Suffix: values.suffix, Response: "", ...think }, opts);
  }
  if (vars.includes("messages")) {
    const data = { System: system, Messages: messages.map(templateMessage), Tools: templateTools(values.tools), Response: "", ...think };
    return renderTemplate(tmpl, data, opts);
  }
  let out = "";
  let [sys, prompt, response] = ["", "", ""];
  const execute = () => {
    out += renderTemplate(tmpl, { System: sys, Prompt: prompt, Response: response, ...think }, opts);
    [sys, prompt, response] = ["", "", ""];
  };
  for (const m of messages) {
    if (m.role === "system") {
      if (prompt !== "" || response !== "") execute();
      sys = m.content;
    } else if (m.role === "user") {
      if (response !== "") execute();
      prompt = m.content;
    } else if (m.role === "assistant") response = m.content;
  }
  const cut = { ...tmpl, root: cutAfterResponse(tmpl.root) };
  return out + renderTemplate(cut, { System: sys, Prompt: prompt, Response: response, ...think }, opts);
}

/** Ollama's collate: merge runs of one role (not "tool") with "\n\n"; gather system messages. */
export function collate(msgs: readonly OllamaMessage[]): { system: string; messages: OllamaMessage[] } {
  const system: string[] = [];
  const messages: OllamaMessage[] = [];
  for (const m of msgs) {
    if (m.role === "system") system.push(m.content);
    const last = messages[messages.length - 1];
    if (last && last.role === m.role && m.role !== "tool") messages[messages.length - 1] = { ...last, content: `${last.content}\n\n${m.content}` };
    else messages.push({ ...m });
  }
  return { system: system.join("\n\n"), messages };
}

function withResponse(ast: TemplateAST): TemplateAST {
  const at = ast.text.length;
  const field: ArgNode = { type: "field", offset: at, end: at, ident: ["Response"] };
  const pipe: PipeNode = { type: "pipe", offset: at, end: at, decl: [], isAssign: false, cmds: [{ type: "command", offset: at, end: at, args: [field] }] };
  const action: ActionNode = { type: "action", offset: at, end: at, pipe };
  return { ...ast, root: { ...ast.root, nodes: [...ast.root.nodes, action] } };
}

/**
 * Ollama's deleteNode with its predicate: walking the tree in order, keep
 * everything up to and including the first `.Response` field of an action's
 * pipeline and drop everything after it. Conditions of if/range/with are not
 * searched (as in Ollama); an else branch after the cut is dropped.
 */
export function cutAfterResponse(root: ListNode): ListNode {
  let cut = false;
  const dropped = (n: { type: string; ident?: string[] }) => {
    if (n.type === "field" && n.ident!.includes("Response")) {
      cut = true;
      return false;
    }
    return cut;
  };
  const list = (l: ListNode): ListNode | undefined => {
    if (dropped(l)) return undefined;
    return { ...l, nodes: l.nodes.map(node).filter((n): n is Node => n !== undefined) };
  };
  const pipe = (p: PipeNode): PipeNode | undefined => {
    if (dropped(p)) return undefined;
    const cmds = [];
    for (const c of p.cmds) {
      const args = c.args.map(arg).filter((a): a is ArgNode => a !== undefined);
      if (args.length === 0) return undefined;
      cmds.push({ ...c, args });
    }
    return cmds.length === 0 ? undefined : { ...p, cmds };
  };
  const arg = (a: ArgNode): ArgNode | undefined => (a.type === "pipe" ? pipe(a) : dropped(a) ? undefined : a);
  const node = (n: Node): Node | undefined => {
    if (dropped(n)) return undefined;
    switch (n.type) {
      case "action": {
        const p = pipe(n.pipe);
        return p ? { ...n, pipe: p } : undefined;
      }
      case "if":
      case "range":
      case "with": {
        const body = list(n.list) ?? { ...n.list, nodes: [] };
        const elseList = n.elseList ? list(n.elseList) : undefined;
        return { ...n, list: body, elseList };
      }
      default:
        return n;
    }
  };
  return list(root) ?? { ...root, nodes: [] };
}
