import { marshalJSON, quoteJSON } from "./json.js";
import { GoFloat, goStruct, kindOf } from "./values.js";

/**
 * The values Ollama passes to a TEMPLATE, built the way ollama/template/template.go
 * builds them, so that printing, truth, `json` and String() methods behave as in
 * Ollama: messages become `*template.templateMessage` structs (Role, Content,
 * Thinking, Images, ToolCalls, ToolName, ToolCallID), tools become structs whose
 * String()/json give Ollama's JSON, tool call arguments are a map whose String()
 * is its JSON, and JSON numbers inside tool data are float64 as Go decodes them.
 * Input shapes follow Ollama's HTTP API (lower-case JSON names).
 */
export interface OllamaMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments?: Record<string, unknown> };
}

export interface OllamaToolProperty {
  anyOf?: OllamaToolProperty[];
  type?: string | string[];
  items?: unknown;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, OllamaToolProperty>;
  required?: string[];
}

export interface OllamaTool {
  type: string;
  items?: unknown;
  function: {
    name: string;
    description?: string;
    parameters: {
      type: string;
      $defs?: unknown;
      items?: unknown;
      required?: string[];
      properties?: Record<string, OllamaToolProperty>;
    };
  };
}

/** A Go method on an object: non-enumerable, so maps keep only their entries. */
function withMethod<T extends object>(o: T, name: string, fn: () => string): T {
  Object.defineProperty(o, name, { value: fn, enumerable: false });
  return o;
}

type JsonField = [goName: string, jsonName: string, value: unknown, omitEmpty?: boolean];

/** A struct with json tags: Go field names for templates, MarshalJSON for `json`/String(). */
function taggedStruct(typeName: string, fields: JsonField[], stringer = false): Record<string, unknown> {
  const o = goStruct(typeName, Object.fromEntries(fields.map(([g, , v]) => [g, v])));
  withMethod(o, "MarshalJSON", () => `{${fields.filter(([, , v, omit]) => !omit || !isEmptyValue(v)).map(([, j, v]) => `${quoteJSON(j)}:${marshalJSON(v)}`).join(",")}}`);
  if (stringer) withMethod(o, "String", () => marshalJSON(o));
  return o;
}

function isEmptyValue(v: unknown): boolean {
  switch (kindOf(v)) {
    case "nil":
      return true;
    case "bool":
      return v === false;
    case "int":
    case "float":
      return Number(v instanceof GoFloat ? v.value : v) === 0;
    case "string":
      return v === "";
    case "slice":
      return (v as unknown[]).length === 0;
    case "map":
      return Object.keys(v as object).length === 0;
    default:
      return false;
  }
}

/** A value decoded from JSON into Go's `any`: numbers are float64, objects map[string]any. */
export function fromJSONValue(v: unknown): unknown {
  if (typeof v === "number") return new GoFloat(v);
  if (Array.isArray(v)) return v.map(fromJSONValue);
  if (typeof v === "object" && v !== null && !(v instanceof GoFloat)) {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, fromJSONValue(e)]));
  }
  return v;
}

/** An insertion-ordered JSON object (Ollama's orderedmap types). */
function orderedObject(entries: [string, unknown][]): Record<string, unknown> {
  const o = Object.fromEntries(entries);
  return withMethod(o, "MarshalJSON", () => `{${entries.map(([k, v]) => `${quoteJSON(k)}:${marshalJSON(v)}`).join(",")}}`);
}

export function templateMessage(m: OllamaMessage): Record<string, unknown> {
  const toolCalls = (m.tool_calls ?? []).map((tc) => {
    const args = fromJSONValue(tc.function.arguments ?? {}) as object;
    withMethod(args, "String", () => marshalJSON(args));
    return goStruct("template.templateToolCall", {
      ID: tc.id ?? "",
      Function: goStruct("template.templateToolCallFunction", { Index: tc.function.index ?? 0, Name: tc.function.name, Arguments: args }),
    });
  });
  return goStruct("*template.templateMessage", {
    Role: m.role,
    Content: m.content,
    Thinking: m.thinking ?? "",
    Images: m.images ?? [],
    ToolCalls: toolCalls,
    ToolName: m.tool_name ?? "",
    ToolCallID: m.tool_call_id ?? "",
  });
}

function propertyType(t: string | string[] | undefined): string[] {
  const types = t === undefined ? [] : Array.isArray(t) ? [...t] : [t];
  withMethod(types, "String", () => (types.length === 0 ? "" : types.length === 1 ? types[0]! : `[${types.join(" ")}]`));
  return withMethod(types, "MarshalJSON", () => (types.length === 1 ? quoteJSON(types[0]!) : marshalJSON([...types])));
}

export function toolProperty(p: OllamaToolProperty): Record<string, unknown> {
  return taggedStruct("api.ToolProperty", [
    ["AnyOf", "anyOf", (p.anyOf ?? []).map(toolProperty), true],
    ["Type", "type", propertyType(p.type), true],
    ["Items", "items", p.items === undefined ? undefined : fromJSONValue(p.items), true],
    ["Description", "description", p.description ?? "", true],
    ["Enum", "enum", (p.enum ?? []).map(fromJSONValue), true],
    ["Properties", "properties", p.properties ? orderedObject(Object.entries(p.properties).map(([k, v]) => [k, toolProperty(v)])) : undefined, true],
    ["Required", "required", p.required ?? [], true],
  ]);
}

/** `.Tools`: a slice whose String() is the tools' JSON ("null" for none). */
export function templateTools(tools: OllamaTool[] | undefined): unknown {
  if (tools === undefined) return undefined;
  const list = tools.map((t) => {
    const params = t.function.parameters;
    const props = params.properties ? Object.fromEntries(Object.entries(params.properties).map(([k, v]) => [k, toolProperty(v)])) : undefined;
    if (props) withMethod(props, "String", () => marshalJSON(props));
    const parameters = taggedStruct("template.templateToolFunctionParameters", [
      ["Type", "type", params.type],
      ["Defs", "$defs", params.$defs === undefined ? undefined : fromJSONValue(params.$defs), true],
      ["Items", "items", params.items === undefined ? undefined : fromJSONValue(params.items), true],
      ["Required", "required", params.required ?? [], true],
      ["Properties", "properties", props],
    ]);
    const fn = taggedStruct("template.templateToolFunction", [
      ["Name", "name", t.function.name],
      ["Description", "description", t.function.description ?? ""],
      ["Parameters", "parameters", parameters],
    ]);
    return taggedStruct("template.templateTool", [
      ["Type", "type", t.type],
      ["Items", "items", t.items === undefined ? undefined : fromJSONValue(t.items), true],
      ["Function", "function", fn],
    ], true);
  });
  return withMethod(list, "String", () => marshalJSON([...list]));
}
