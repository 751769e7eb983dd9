import { InputError } from "../diagnostics/errors.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import type { AstNode, InstructionNode, ModelfileAst } from "./ast.js";
import { parseModelfile } from "./parse.js";
import { quoteValue } from "./quote.js";

/**
 * The canonical form of a Modelfile (`modelsmith fmt`):
 *
 * - keywords in upper case, one space between keyword, name and value;
 *   PARAMETER names and MESSAGE roles as written (they are case-sensitive);
 * - values re-quoted by `quoteValue` (bare when safe, else the form that
 *   needs no escapes);
 * - the first FROM, with the comments right above it, moves to the top (after
 *   a header comment block that a blank line separates from the rest), and a
 *   blank line follows it when it moved; every other line keeps its order;
 * - blank lines: a run of them becomes one; none at the start or the end;
 * - comments kept as written (trailing spaces dropped); LF line endings and a
 *   final newline.
 *
 * Lossless: parse(print(ast)) gives the same typed Modelfile as ast, and
 * printing is idempotent.
 */
export function printModelfile(ast: ModelfileAst): string {
  const nodes = withFromFirst(ast.nodes);
  const lines: string[] = [];
  nodes.forEach((n, i) => {
    if (n.blankBefore && i > 0) lines.push("");
    lines.push(n.kind === "comment" ? `#${n.text}` : printInstruction(n));
  });
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export function printInstruction(n: InstructionNode): string {
  const name = n.name ? ` ${n.name.text}` : "";
  // A bare value that holds ` #` stays bare: quoting it would hide the MS1008 warning on a likely mistake.
  const masked = n.value.value.replace(/([ \t])#/g, "$1x");
  const keepBare = n.value.quote === "bare" && quoteValue(masked) === masked;
  return `${n.keyword}${name} ${keepBare ? n.value.value : quoteValue(n.value.value)}`;
}

/** Text to canonical text. Throws InputError (exit 2) when the text has syntax errors. */
export function formatModelfile(text: string, file?: string): string {
  const { ast, diagnostics } = parseModelfile(text, file);
  if (hasErrors(diagnostics)) throw new InputError(diagnostics.filter((d) => d.severity === "error"));
  return printModelfile(ast);
}

/** Nodes (shallow copies, blank flags adjusted) with the first FROM and its comments moved to the top. */
function withFromFirst(source: readonly AstNode[]): AstNode[] {
  const nodes = source.map((n) => ({ ...n }));
  const firstInstruction = nodes.findIndex((n) => n.kind === "instruction");
  const from = nodes.findIndex((n) => n.kind === "instruction" && n.keyword === "FROM");
  if (from < 0 || from === firstInstruction) return nodes;
  const fromStart = groupStart(nodes, from);
  const group = nodes.splice(fromStart, from - fromStart + 1);
  const next = nodes[fromStart];
  if (next && group[0]!.blankBefore) next.blankBefore = true;
  const firstStart = groupStart(nodes, firstInstruction);
  group[0]!.blankBefore = nodes[firstStart]!.blankBefore;
  nodes[firstStart]!.blankBefore = true;
  nodes.splice(firstStart, 0, ...group);
  return nodes;
}

/** Index of the first of the comments directly above node `i` (no blank line between), or `i`. */
function groupStart(nodes: readonly AstNode[], i: number): number {
  let start = i;
  while (start > 0 && !nodes[start]!.blankBefore && nodes[start - 1]!.kind === "comment") start--;
  return start;
}
