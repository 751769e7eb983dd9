import { error, type Diagnostic, type LineIndex } from "../diagnostics/index.js";
import type { TemplateExecError, TemplateSyntaxError } from "./errors.js";

export interface TemplateLocation {
  /** The file the template came from (a Modelfile). */
  file?: string;
  /** Line index of that file's text. */
  lines?: LineIndex;
  /**
   * Maps an offset in the template text to an offset in the file; by default
   * `offset + base` (enough when the TEMPLATE value holds the text verbatim).
   */
  mapOffset?: (offset: number) => number;
  /** Where the template text starts in the file, for the default mapOffset. */
  base?: number;
}

/**
 * A template error as a Diagnostic located in the file that holds the template,
 * e.g. `Modelfile:4:17: error[MS7003]: function "uper" not defined`.
 */
export function templateDiagnostic(e: TemplateSyntaxError | TemplateExecError, at: TemplateLocation = {}): Diagnostic {
  const map = at.mapOffset ?? ((o: number) => o + (at.base ?? 0));
  const range = at.lines ? at.lines.range(map(e.offset), map(e.offset + e.length)) : undefined;
  const hint = "hint" in e ? e.hint : undefined;
  const message = e.name === "TemplateExecError" ? `template: ${(e as TemplateExecError).goMessage}` : `template: ${e.message}`;
  return error(e.code, message, { file: at.file, range, hint });
}
