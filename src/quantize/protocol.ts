import type { Diagnostic } from "../diagnostics/diagnostic.js";

/**
 * Messages between `quantize()` and the quantizer child process
 * (child.ts), over Node's IPC channel. The parent sends one `job`; the child
 * answers with any number of `progress` and `log` messages and then exactly
 * one `done` or `error`, and exits.
 */
export interface QuantizeJob {
  /** libllama to load. */
  library: string;
  input: string;
  /** Where llama.cpp writes: a temp file beside the final output. */
  output: string;
  ftype: number;
  onlyCopy: boolean;
  /** 0: llama.cpp uses every hardware thread. */
  threads: number;
  imatrix?: string;
  /** Also forward every log line, whole lines (for --verbose). */
  forwardLog: boolean;
}

export type ChildMessage =
  | { type: "progress"; tensorsDone: number; tensorsTotal: number }
  | { type: "log"; level: number; text: string }
  /** rc: llama_model_quantize's return; reason/details from its error log when rc != 0. */
  | { type: "done"; rc: number; reason?: string; details: string[] }
  /** A ModelsmithError raised in the child (e.g. a bad imatrix), or an unexpected failure. */
  | { type: "error"; kind: "input" | "environment" | "internal"; diagnostics: Diagnostic[]; message: string };

export type ParentMessage = { type: "job"; job: QuantizeJob };
