import { goEncode, GoStruct, type GoValue } from "./go-json.js";

/**
 * The bytes of the small layers, as Ollama's create writes them, so the same
 * Modelfile gives the same layer digests in both tools:
 *
 * - TEMPLATE, SYSTEM, LICENSE: the text itself, UTF-8, no newline added;
 * - PARAMETERs: a JSON object, keys sorted (Go map order), values as given
 *   (numbers, strings, booleans, string lists such as `stop`), then "\n";
 * - MESSAGEs: a JSON array of {"role","content"} in order, then "\n".
 */
export type ParamValue = number | string | boolean | readonly string[];

export interface ChatMessage {
  role: string;
  content: string;
}

export function encodeText(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}

export function encodeParams(params: Readonly<Record<string, ParamValue>>): Uint8Array {
  return Buffer.from(goEncode(params as { readonly [key: string]: GoValue }), "utf8");
}

export function encodeMessages(messages: readonly ChatMessage[]): Uint8Array {
  return Buffer.from(goEncode(messages.map((m) => new GoStruct([["role", m.role], ["content", m.content]]))), "utf8");
}

/** Reads a params layer (Ollama's or ours). */
export function decodeParams(bytes: Uint8Array): Record<string, ParamValue> {
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, ParamValue>;
}

/** Reads a messages layer (Ollama's or ours). */
export function decodeMessages(bytes: Uint8Array): ChatMessage[] {
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as ChatMessage[];
}
