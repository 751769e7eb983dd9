import type { SourceRange } from "../diagnostics/diagnostic.js";

/**
 * The syntax tree of a Modelfile: what was written, line by line, with source
 * ranges. Stage one of two (buildkit's split): `parseModelfile` builds it from
 * text, `analyzeModelfile` turns it into typed instructions.
 *
 * Invariants: nodes are in source order; a line that does not parse leaves no
 * node (its diagnostic says why); every instruction has a value (possibly "").
 */
export interface ModelfileAst {
  file?: string;
  /** The decoded text the ranges point into. */
  text: string;
  nodes: AstNode[];
  /** Instructions with a known keyword that did not parse (they have a diagnostic and no node), so analysis does not report them missing. */
  broken?: { keyword: Keyword; range: SourceRange }[];
}

export type AstNode = CommentNode | InstructionNode;

interface NodeBase {
  /** Whole node: from the first character to the end of its last line (line ending excluded). */
  range: SourceRange;
  /** Whether one or more blank lines separate this node from the previous one. */
  blankBefore: boolean;
}

/** `# text` on its own line. */
export interface CommentNode extends NodeBase {
  kind: "comment";
  /** The text after `#`, as written (leading space kept, trailing spaces removed). */
  text: string;
}

/** Canonical (upper-case) names of the instructions the grammar knows. */
export type Keyword =
  | "FROM"
  | "PARAMETER"
  | "TEMPLATE"
  | "SYSTEM"
  | "ADAPTER"
  | "LICENSE"
  | "MESSAGE"
  | "REQUIRES"
  | "FORMAT"
  | "DRAFT"
  | "RENDERER"
  | "PARSER";

export interface InstructionNode extends NodeBase {
  kind: "instruction";
  keyword: Keyword;
  /** The keyword as written (any case). */
  keywordRange: SourceRange;
  /** PARAMETER's name or MESSAGE's role, as written. */
  name?: Token;
  value: ValueNode;
}

export interface Token {
  text: string;
  range: SourceRange;
}

/** How a value was written: bare to the end of the line, `"..."` (with `\"` and `\\` escapes) or `"""..."""` (raw). */
export type QuoteStyle = "bare" | "double" | "triple";

export interface ValueNode {
  /** The value: surrounding spaces trimmed, quotes removed, escapes applied, CRLF read as LF. */
  value: string;
  quote: QuoteStyle;
  /** The value as written, quotes included. */
  range: SourceRange;
  /** Where each character of `value` came from in the source text. */
  map: OffsetMap;
}

/**
 * Maps offsets in a decoded value back to offsets in the source text, so that
 * an error found inside a value (a TEMPLATE syntax error) points at the file.
 * Stored as runs of characters copied verbatim: value[v..v+n) = source[s..s+n).
 */
export class OffsetMap {
  constructor(
    private readonly runs: readonly { v: number; s: number; n: number }[],
    /** Source offset just past the value's last character (where the closing quote starts). */
    private readonly end: number,
  ) {}

  toSource(valueOffset: number): number {
    for (const r of this.runs) {
      if (valueOffset < r.v + r.n) return r.s + Math.max(0, valueOffset - r.v);
    }
    return this.end;
  }
}

/** Builds an OffsetMap one copied character at a time, merging adjacent runs. */
export class OffsetMapBuilder {
  private readonly runs: { v: number; s: number; n: number }[] = [];
  private length = 0;

  /** Records that the next value character came from `sourceOffset`. */
  push(sourceOffset: number): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last.s + last.n === sourceOffset) last.n++;
    else this.runs.push({ v: this.length, s: sourceOffset, n: 1 });
    this.length++;
  }

  build(end: number): OffsetMap {
    return new OffsetMap(this.runs, end);
  }
}
