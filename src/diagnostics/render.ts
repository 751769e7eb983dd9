import type { Diagnostic } from "./diagnostic.js";
import { LineIndex } from "./position.js";

export interface RenderOptions {
  /** The decoded text of a file named in a diagnostic, for the code frame. */
  source?: (file: string) => string | undefined;
  color?: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/**
 * Renders one diagnostic the way compilers do:
 *
 *     path:line:col: error[MS2001]: unknown parameter "temprature"
 *        3 | PARAMETER temprature 0.7
 *          |           ^^^^^^^^^^
 *     hint: did you mean `temperature`?
 */
export function renderDiagnostic(d: Diagnostic, opts: RenderOptions = {}): string {
  const color = opts.color ?? false;
  const where = d.file === undefined ? "" : d.range ? `${d.file}:${d.range.start.line}:${d.range.start.column}: ` : `${d.file}: `;
  const label = d.severity === "error" ? paint(color, "1;31", `error[${d.code}]`) : paint(color, "1;33", `warning[${d.code}]`);
  const lines = [`${where}${label}: ${d.message}`];
  const text = d.file !== undefined && d.range ? opts.source?.(d.file) : undefined;
  if (text !== undefined && d.range) lines.push(...codeFrame(text, d, color));
  if (d.hint) lines.push(`${paint(color, "1;36", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

/** Columns of a source line shown in a code frame; a longer line is cut to a window around the caret. */
export const FRAME_WIDTH = 100;

// The line index of the last text framed: a file's diagnostics come together, and indexing it for each one is quadratic.
let lastIndexed: { text: string; index: LineIndex } | undefined;

function lineIndexOf(text: string): LineIndex {
  if (lastIndexed?.text !== text) lastIndexed = { text, index: new LineIndex(text) };
  return lastIndexed.index;
}

function codeFrame(text: string, d: Diagnostic, color: boolean): string[] {
  const index = lineIndexOf(text);
  const { start, end } = d.range!;
  if (start.line > index.lineCount) return [];
  const fullLine = index.lineText(start.line);
  const gutter = String(start.line).length + 1;
  const pad = " ".repeat(gutter);
  // Carets under the range on its first line; at least one caret.
  const endCol = end.line === start.line ? end.column : fullLine.length + 1;
  // A window of FRAME_WIDTH columns that starts a little before the caret, marked with … where cut.
  const from = fullLine.length <= FRAME_WIDTH ? 0 : Math.max(0, Math.min(start.column - 1 - 20, fullLine.length - FRAME_WIDTH));
  const to = Math.min(fullLine.length, from + FRAME_WIDTH);
  const cutLeft = from > 0 ? "…" : "";
  const lineText = cutLeft + fullLine.slice(from, to) + (to < fullLine.length ? "…" : "");
  const caretStart = start.column - 1 - from + cutLeft.length;
  const width = Math.max(1, Math.min(endCol - start.column, to - from + cutLeft.length - caretStart));
  const lead = lineText.slice(0, caretStart).replace(/[^\t]/g, " ");
  return [
    `${" ".repeat(gutter - String(start.line).length)}${start.line} | ${visible(lineText)}`,
    `${pad} | ${lead}${paint(color, d.severity === "error" ? "1;31" : "1;33", "^".repeat(width))}`,
  ];
}

/** Control characters would garble a terminal; show them as U+FFFD. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\ufffd");
}

/** The JSON form used by `--json` and by the server. */
export function diagnosticToJSON(d: Diagnostic): Record<string, unknown> {
  return { ...d };
}
