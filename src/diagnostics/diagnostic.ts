/**
 * A user-facing problem: a stable code, a message, and where it is.
 *
 * Positions are 1-based line and column (columns count UTF-16 code units of the
 * decoded text, as editors do) plus a 0-based offset into the decoded text.
 * `range.end` is exclusive. A diagnostic without a `range` is about the whole file
 * (or about no file at all when `file` is absent too).
 */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Stable code `MS####`, listed in docs/errors.md. */
  code: string;
  severity: Severity;
  message: string;
  file?: string;
  range?: SourceRange;
  /** One line that tells the user what to do, e.g. a did-you-mean. */
  hint?: string;
}

/** Builds an error diagnostic; the common case, kept short at call sites. */
export function error(code: string, message: string, at: { file?: string; range?: SourceRange; hint?: string } = {}): Diagnostic {
  return { code, severity: "error", message, ...definedOnly(at) };
}

export function warning(code: string, message: string, at: { file?: string; range?: SourceRange; hint?: string } = {}): Diagnostic {
  return { code, severity: "warning", message, ...definedOnly(at) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
