import { randomInt } from "node:crypto";
import type { ListNode, Node, OllamaTool, OllamaToolCall, TemplateAST } from "../gotemplate/index.js";
import { field, HttpError, isArray, isObject, isString } from "./http.js";

/**
 * Tool calling as Ollama does it for a model without a built-in parser: the
 * request's tools go to the TEMPLATE as `.Tools`, and the model's output is
 * scanned for the tool-call tag the TEMPLATE writes before `.ToolCalls`
 * (ollama/tools/template.go), then for a tool's name and a JSON object of
 * arguments (ollama/tools/tools.go).
 */

/**
 * Ollama's parseTag: the first non-blank text inside the `if` over
 * `.ToolCalls`, cut before any `{` and trimmed; "{" when there is none (every
 * JSON object is then tried as a call).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/tools/template.go#L17-L46
 */
export function toolCallTag(ast: TemplateAST | undefined): string {
  if (!ast) return "{";
  const tc = findToolCallNode(ast.root.nodes);
  if (!tc) return "{";
  const text = findTextNode(tc.list.nodes);
  if (text === undefined) return "{";
  const tag = text.replaceAll("\r\n", "\n").split("{")[0]!.trim();
  return tag === "" ? "{" : tag;
}

type IfNode = Extract<Node, { type: "if" }>;

function mentionsToolCalls(n: IfNode): boolean {
  return n.pipe.cmds.some((cmd) => cmd.args.some((a) => a.type === "field" && a.ident.includes("ToolCalls")));
}

function findToolCallNode(nodes: readonly Node[]): IfNode | undefined {
  for (const n of nodes) {
    if (n.type === "if" && mentionsToolCalls(n)) return n;
    if (n.type === "if" || n.type === "range" || n.type === "with") {
      const found = findToolCallNode(n.list.nodes) ?? (n.elseList ? findToolCallNode(n.elseList.nodes) : undefined);
      if (found) return found;
    }
  }
  return undefined;
}

/** Go's findTextNode: depth first, stopping at the first action. */
function findTextNode(nodes: readonly Node[]): string | undefined {
  for (const n of nodes) {
    if (n.type === "text") {
      if (n.text.trim() === "") continue;
      return n.text;
    }
    if (n.type === "action") return undefined;
    if (n.type === "if" || n.type === "range" || n.type === "with") {
      const inList = findTextNode(n.list.nodes) ?? (n.elseList ? findTextNode((n.elseList as ListNode).nodes) : undefined);
      if (inList !== undefined) return inList;
      return undefined;
    }
  }
  return undefined;
}

/** Ollama's toolCallId: `call_` and 8 random lower-case letters or digits. */
export function toolCallId(): string {
  const letters = "abcdefghijklmnopqrstuvwxyz0123456789";
  let out = "call_";
  for (let i = 0; i < 8; i++) out += letters[randomInt(letters.length)];
  return out;
}

/** A tool call as Ollama's API answers it. */
export interface ToolCall {
  id: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
}

/**
 * Ollama's tools.Parser, fed the model's output piece by piece: text before
 * the tag is content; from the tag on, each complete call (a tool's name, then
 * a JSON object of its arguments) comes out; for the tags `{` and `[` a
 * balanced object ends the scan, and text before it that is not blank means
 * no tool call at all.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/tools/tools.go
 */
export class ToolParser {
  private state: "looking" | "calling" | "done" = "looking";
  private buffer = "";
  private n = 0;

  constructor(
    readonly tag: string,
    private readonly tools: readonly OllamaTool[],
  ) {}

  add(s: string): { calls: ToolCall[]; content: string } {
    if (this.state === "done") return { calls: [], content: s };
    this.buffer += s;
    let content = "";
    if (this.state === "looking") {
      const [i, found] = this.findTag();
      if (i === -1) {
        content = this.buffer;
        this.buffer = "";
      } else {
        content = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i);
      }
      if ((this.tag === "{" || this.tag === "[") && content.trim() !== "") {
        this.state = "done";
        const all = content + this.buffer;
        this.buffer = "";
        return { calls: [], content: all };
      }
      if (!found) return { calls: [], content };
      this.state = "calling";
    }
    const calls: ToolCall[] = [];
    for (;;) {
      const call = this.parseToolCall();
      if (!call) break;
      calls.push(call);
    }
    if (this.done()) {
      this.state = "done";
      content = this.buffer;
      this.buffer = "";
    }
    return { calls, content };
  }

  /** What is left for the user at the end: the held text when the tag is `{` or `[` and no call was found, else "". */
  content(): string {
    if (this.n > 0) return "";
    return this.tag === "{" || this.tag === "[" ? this.buffer : "";
  }

  private findTag(): [number, boolean] {
    const i = this.buffer.indexOf(this.tag);
    if (i > -1) return [i, true];
    for (let k = Math.min(this.buffer.length, this.tag.length); k > 0; k--) {
      if (this.buffer.endsWith(this.tag.slice(0, k))) return [this.buffer.length - k, false];
    }
    return [-1, false];
  }

  private parseToolCall(): ToolCall | undefined {
    const found = findTool(this.tools, this.buffer);
    if (!found) return undefined;
    let end = found.end;
    const args = findArguments(found.tool, this.buffer);
    if (!args) return undefined;
    if (args.end > end) end = args.end;
    const call: ToolCall = { id: toolCallId(), function: { index: this.n, name: found.tool.function.name, arguments: args.args } };
    this.n++;
    this.buffer = this.buffer.slice(end);
    return call;
  }

  private done(): boolean {
    const pair = this.tag === "{" ? ["{", "}"] : this.tag === "[" ? ["[", "]"] : undefined;
    if (!pair) return false;
    let count = 0;
    let inString = false;
    let escaped = false;
    for (const c of this.buffer) {
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c === "\\") {
        escaped = true;
        continue;
      }
      if (c === '"') {
        inString = !inString;
        continue;
      }
      if (inString) continue;
      if (c === pair[0]) count++;
      else if (c === pair[1]) {
        count--;
        if (count === 0) return true;
      }
    }
    return false;
  }
}

/** Ollama's findTool: the earliest (then longest) tool name in the buffer; none while the buffer ends with part of a name. */
function findTool(tools: readonly OllamaTool[], buf: string): { tool: OllamaTool; end: number } | undefined {
  if (buf.length === 0) return undefined;
  const longest = Math.max(0, ...tools.map((t) => t.function.name.length));
  for (let i = 1; i <= Math.min(buf.length, longest); i++) {
    const tail = buf.slice(buf.length - i);
    if (tools.some((t) => tail.length < t.function.name.length && t.function.name.startsWith(tail))) return undefined;
  }
  let found: OllamaTool | undefined;
  let start = -1;
  let end = -1;
  for (const t of tools) {
    const pos = buf.indexOf(t.function.name);
    if (pos === -1) continue;
    if (found && (pos > start || (pos === start && t.function.name.length <= found.function.name.length))) continue;
    found = t;
    start = pos;
    end = pos + t.function.name.length;
  }
  return found ? { tool: found, end } : undefined;
}

/** Ollama's findArguments: the first balanced JSON object; inside it `arguments` or `parameters` (beside a `name`), or the tool's name, else the object itself. */
function findArguments(tool: OllamaTool, buf: string): { args: Record<string, unknown>; end: number } | undefined {
  let start = -1;
  let braces = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === "\\") {
      escaped = true;
      continue;
    }
    if (c === '"') {
      inString = !inString;
      continue;
    }
    if (inString) continue;
    if (c === "{") {
      if (braces === 0) start = i;
      braces++;
    } else if (c === "}") {
      braces--;
      if (braces === 0 && start !== -1) {
        let data: unknown;
        try {
          data = JSON.parse(buf.slice(start, i + 1));
        } catch {
          start = -1;
          continue;
        }
        if (!isObject(data)) {
          start = -1;
          continue;
        }
        // The end is the closing brace's index, as Ollama's (which leaves that brace in the buffer).
        const inner = findObject(tool, data);
        if (inner.found) return inner.args ? { args: inner.args, end: i } : undefined;
        return { args: data, end: i };
      }
      if (braces < 0) braces = 0;
    }
  }
  return undefined;
}

function findObject(tool: OllamaTool, obj: Record<string, unknown>): { found: boolean; args?: Record<string, unknown> } {
  const findMap = (name: string): Record<string, unknown> | undefined => {
    const v = obj[name];
    if (isObject(v)) return v;
    if (isString(v)) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (isObject(parsed)) return parsed;
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  if ("name" in obj) {
    const args = findMap("arguments") ?? findMap("parameters");
    return args ? { found: true, args } : { found: true };
  }
  const direct = findMap(tool.function.name);
  if (direct) return { found: true, args: direct };
  for (const v of Object.values(obj)) {
    const children = isObject(v) ? [v] : isArray(v) ? v.filter(isObject) : [];
    for (const child of children) {
      const r = findObject(tool, child);
      if (r.found) return r;
    }
  }
  return { found: false };
}

/** The `tools` of an Ollama or OpenAI request (`[{type: "function", function: {name, description?, parameters}}]`); 400 for another shape. */
export function toolsOf(body: Record<string, unknown>): OllamaTool[] | undefined {
  const list = field(body, "tools", isArray, "an array of tools");
  if (!list || list.length === 0) return undefined;
  return list.map((t, i) => {
    if (!isObject(t) || !isObject(t.function) || !isString(t.function.name) || t.function.name === "") throw new HttpError(400, `tools[${i}] must be {type: "function", function: {name, parameters}}`);
    if (t.type !== undefined && t.type !== "function") throw new HttpError(400, `tools[${i}].type must be "function"`);
    const parameters = t.function.parameters ?? { type: "object", properties: {} };
    if (!isObject(parameters)) throw new HttpError(400, `tools[${i}].function.parameters must be a JSON Schema object`);
    return {
      type: "function",
      function: {
        name: t.function.name,
        ...(isString(t.function.description) ? { description: t.function.description } : {}),
        parameters: { type: "object", ...parameters } as OllamaTool["function"]["parameters"],
      },
    };
  });
}

/** An Ollama message's `tool_calls` (`[{function: {name, arguments: {...}}}]`), for the TEMPLATE. */
export function toolCallsOf(v: unknown, where: string): OllamaToolCall[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isArray(v)) throw new HttpError(400, `${where}.tool_calls must be an array`);
  return v.map((c, i) => {
    if (!isObject(c) || !isObject(c.function) || !isString(c.function.name)) throw new HttpError(400, `${where}.tool_calls[${i}] must be {function: {name, arguments}}`);
    const args = c.function.arguments ?? {};
    if (!isObject(args)) throw new HttpError(400, `${where}.tool_calls[${i}].function.arguments must be an object`);
    return {
      ...(isString(c.id) ? { id: c.id } : {}),
      function: { ...(typeof c.function.index === "number" ? { index: c.function.index } : {}), name: c.function.name, arguments: args },
    };
  });
}
