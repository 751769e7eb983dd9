import type { SourceRange } from "../diagnostics/diagnostic.js";
import type { ParameterType, ParameterValue } from "./parameters.js";

/**
 * A Modelfile as typed instructions: stage two of two, built by
 * `analyzeModelfile` from the syntax tree. Every item keeps the source range of
 * its value so later stages (IO, build) can point at the line that caused a
 * problem. Repeated TEMPLATE, SYSTEM, REQUIRES, FORMAT and scalar PARAMETERs:
 * the last one wins, as in Ollama (with an MS2005 warning).
 */
export interface TypedModelfile {
  /** The base model: a reference (`llama3:8b`, `hf://...`) or a file path, as written. */
  from?: { ref: string; range: SourceRange };
  /**
   * Later FROM lines: vision projector files, as `ollama show --modelfile`
   * prints them for a multimodal model (the IO layer checks each is a
   * projector GGUF). As written; a bare name may be a file beside the Modelfile.
   */
  projectors: { ref: string; range: SourceRange }[];
  /** By name, in order of first appearance. `stop` accumulates one string per line. */
  parameters: Record<string, TypedParameter>;
  template?: { text: string; range: SourceRange };
  system?: { text: string; range: SourceRange };
  /** LoRA adapter files, in order. */
  adapters: { path: string; range: SourceRange }[];
  /** License texts, in order (LICENSE may repeat). */
  license: { text: string; range: SourceRange }[];
  /** Conversation history, in order. */
  messages: { role: MessageRole; content: string; range: SourceRange }[];
  /** Minimum Ollama version, as written without a leading `v` (Ollama stores it so). */
  requires?: { version: string; range: SourceRange };
  /** Output constraint: JSON, or the JSON Schema in a file (path relative to the Modelfile). */
  format?: { kind: "json"; range: SourceRange } | { kind: "schema"; path: string; range: SourceRange };
}

export interface TypedParameter {
  type: ParameterType;
  value: ParameterValue;
  /** The value of the line that set it last. */
  range: SourceRange;
  /** Every line that set it, in order (several for `stop`). */
  ranges: SourceRange[];
}

export const MESSAGE_ROLES = ["system", "user", "assistant"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** A file the Modelfile names, for the IO layer to resolve relative to the Modelfile. */
export interface FileReference {
  instruction: "FROM" | "ADAPTER" | "FORMAT";
  path: string;
  range: SourceRange;
}

/** The typed Modelfile without ranges: what golden tests compare and what round-trips through the printer. */
export interface PlainModelfile {
  from?: string;
  /** Present only when there is a later FROM (a projector). */
  projectors?: string[];
  parameters: Record<string, ParameterValue>;
  template?: string;
  system?: string;
  adapters: string[];
  license: string[];
  messages: { role: MessageRole; content: string }[];
  requires?: string;
  format?: { kind: "json" } | { kind: "schema"; path: string };
}

export function toPlainModelfile(m: TypedModelfile): PlainModelfile {
  const plain: Partial<PlainModelfile> = {};
  if (m.from) plain.from = m.from.ref;
  if (m.projectors.length) plain.projectors = m.projectors.map((p) => p.ref);
  plain.adapters = m.adapters.map((a) => a.path);
  if (m.template) plain.template = m.template.text;
  if (m.system) plain.system = m.system.text;
  plain.parameters = Object.fromEntries(Object.entries(m.parameters).map(([k, p]) => [k, Array.isArray(p.value) ? [...p.value] : p.value]));
  plain.messages = m.messages.map(({ role, content }) => ({ role, content }));
  plain.license = m.license.map((l) => l.text);
  if (m.requires) plain.requires = m.requires.version;
  if (m.format) plain.format = m.format.kind === "json" ? { kind: "json" } : { kind: "schema", path: m.format.path };
  return plain as PlainModelfile;
}
