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

function codeFrame(text: string, d: Diagnostic, color: boolean): string[] {
  const index = new LineIndex(text);
  const { start, end } = d.range!;
  if (start.line > index.lineCount) return [];
  const lineText = index.lineText(start.line);
  const gutter = String(start.line).length + 1;
  const pad = " ".repeat(gutter);
  // Carets under the range on its first line; at least one caret.
  const endCol = end.line === start.line ? end.column : lineText.length + 1;
  const width = Math.max(1, endCol - start.column);
  const lead = lineText.slice(0, start.column - 1).replace(/[^\t]/g, " ");
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
