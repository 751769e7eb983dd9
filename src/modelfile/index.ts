/**
 * The Modelfile language: bytes -> text (decode), text -> syntax tree with
 * ranges (parse), tree -> typed instructions (analyze), tree -> canonical text
 * (print). Pure: no file IO; the paths a Modelfile names come back as
 * `references` for the IO layer.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ModelfileAst } from "./ast.js";
import { decodeModelfile, type DecodedModelfile } from "./decode.js";
import type { FileReference, TypedModelfile } from "./instructions.js";
import { parseModelfile } from "./parse.js";
import { analyzeModelfile, type AnalyzeOptions } from "./validate.js";

export * from "./ast.js";
export { MODELFILE_CODES, type ModelfileCode } from "./codes.js";
export { decodeModelfile, type DecodedModelfile, type ModelfileEncoding } from "./decode.js";
export * from "./instructions.js";
export { DEPRECATED_PARAMETERS, PARAMETERS, type ParameterSpec, type ParameterType, type ParameterValue } from "./parameters.js";
export { parseModelfile, type ParseResult } from "./parse.js";
export { formatModelfile, printInstruction, printModelfile } from "./print.js";
export { printPlainModelfile } from "./print-typed.js";
export { quoteValue } from "./quote.js";
export { isLocalPath } from "./references.js";
export { analyzeModelfile, type AnalysisResult, type AnalyzeOptions } from "./validate.js";

export interface LoadedModelfile {
  text: string;
  ast: ModelfileAst;
  modelfile: TypedModelfile;
  references: FileReference[];
  /** Decode, syntax and validation problems, sorted by position (stable; those without a range last). */
  diagnostics: Diagnostic[];
  encoding: DecodedModelfile["encoding"];
  /** Whether the bytes started with a byte order mark. */
  bom: boolean;
}

/** Decode + parse + analyze in one call: what `check` and `build` need for one file's bytes (or text). */
export function readModelfile(source: Uint8Array | string, file?: string, options?: AnalyzeOptions): LoadedModelfile {
  const decoded = typeof source === "string" ? { text: source, encoding: "utf-8" as const, bom: false, diagnostics: [] } : decodeModelfile(source, file);
  const parsed = parseModelfile(decoded.text, file);
  const analyzed = analyzeModelfile(parsed.ast, options);
  return {
    text: decoded.text,
    ast: parsed.ast,
    modelfile: analyzed.modelfile,
    references: analyzed.references,
    diagnostics: sortByPosition([...decoded.diagnostics, ...parsed.diagnostics, ...analyzed.diagnostics]),
    encoding: decoded.encoding,
    bom: decoded.bom,
  };
}

/** Stable sort by start offset; diagnostics without a range keep their order at the end. */
export function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => d.range?.start.offset ?? Number.POSITIVE_INFINITY;
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => key(a.d) - key(b.d) || a.i - b.i)
    .map(({ d }) => d);
}
