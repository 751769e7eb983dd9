import type { Diagnostic, Position } from "../diagnostics/diagnostic.js";
import type { ResolveCode } from "./codes.js";

/**
 * A problem found in a reference text, located by 0-based offsets into that
 * text (`end` exclusive). Parsers collect these; {@link toDiagnostic} places
 * them in a file once the caller knows where the reference is written.
 */
export interface Problem {
  code: ResolveCode;
  severity: "error" | "warning";
  message: string;
  start: number;
  end: number;
  hint?: string;
  /** Set once the problem has been re-placed at an alias name (see parseReference). */
  viaAlias?: true;
}

/** Collects problems for one reference text; `base` shifts offsets of a sub-parser's slice. */
export class Problems {
  constructor(
    readonly list: Problem[] = [],
    readonly base = 0,
  ) {}

  /** A view whose offsets are relative to `offset` within this one's text. */
  at(offset: number): Problems {
    return new Problems(this.list, this.base + offset);
  }

  error(code: ResolveCode, message: string, start: number, end: number, hint?: string): undefined {
    this.list.push(problem(code, "error", message, this.base + start, this.base + end, hint));
    return undefined;
  }

  warning(code: ResolveCode, message: string, start: number, end: number, hint?: string): void {
    this.list.push(problem(code, "warning", message, this.base + start, this.base + end, hint));
  }

  push(p: Problem): void {
    this.list.push(p);
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === "error");
  }
}

function problem(code: ResolveCode, severity: Problem["severity"], message: string, start: number, end: number, hint?: string): Problem {
  return hint === undefined ? { code, severity, message, start, end } : { code, severity, message, start, end, hint };
}

/** Where the first character of the reference text is written; default line 1, column 1, offset 0. */
export const TEXT_START: Position = { line: 1, column: 1, offset: 0 };

/**
 * A problem as a Diagnostic. References are one line, so the range stays on
 * `origin.line` and columns and offsets are shifted by the problem's offsets.
 */
export function toDiagnostic(p: Problem, origin: Position = TEXT_START, file?: string): Diagnostic {
  const pos = (o: number): Position => ({ line: origin.line, column: origin.column + o, offset: origin.offset + o });
  const d: Diagnostic = { code: p.code, severity: p.severity, message: p.message };
  if (file !== undefined) d.file = file;
  d.range = { start: pos(p.start), end: pos(Math.max(p.start, p.end)) };
  if (p.hint !== undefined) d.hint = p.hint;
  return d;
}
