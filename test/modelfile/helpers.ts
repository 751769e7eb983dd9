import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

/** test/fixtures/modelfile, from dist/test/modelfile/*.js or test/modelfile/*.ts alike. */
export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/modelfile/", import.meta.url));

/** A diagnostic as goldens record it: position, code, words; no offsets. */
export interface DiagnosticSummary {
  severity: string;
  code: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export function summarize(d: Diagnostic): DiagnosticSummary {
  const s: DiagnosticSummary = { severity: d.severity, code: d.code, message: d.message };
  if (d.range) {
    s.line = d.range.start.line;
    s.column = d.range.start.column;
  }
  if (d.hint !== undefined) s.hint = d.hint;
  return s;
}
