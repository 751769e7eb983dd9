import { readFile } from "node:fs/promises";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { decodeModelfile, type DecodedModelfile } from "../modelfile/decode.js";
import { parseModelfile } from "../modelfile/parse.js";
import { analyzeModelfile } from "../modelfile/validate.js";
import type { ModelfileAst } from "../modelfile/ast.js";
import type { FileReference, TypedModelfile } from "../modelfile/instructions.js";

export interface ReadModelfile {
  decoded: DecodedModelfile;
  ast: ModelfileAst;
  modelfile: TypedModelfile;
  /** Files the Modelfile names (local FROM, ADAPTER, FORMAT schema). */
  references: FileReference[];
  /** Every problem: decoding, syntax and validation, in source order. */
  diagnostics: Diagnostic[];
}

/**
 * Reads, decodes, parses and validates one Modelfile: the IO edge around the
 * pure parser. `display` is the name diagnostics use for the file. A file that
 * cannot be read gives `undefined` plus an MS4006 (not found) or MS9003
 * diagnostic at `referencedAt` when a project file names it.
 */
export async function readModelfileFromDisk(
  path: string,
  display: string,
  referencedAt?: { file: string; range: SourceRange },
): Promise<{ result?: ReadModelfile; diagnostics: Diagnostic[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const where = referencedAt ?? { file: display };
    if (code === "ENOENT") return { diagnostics: [error("MS4006", `Modelfile not found: ${display}`, { ...where, hint: "paths are relative to the file that names them" })] };
    return { diagnostics: [error("MS9003", `cannot read ${display}: ${(cause as Error).message}`, where)] };
  }
  const decoded = decodeModelfile(bytes, display);
  const parsed = parseModelfile(decoded.text, display);
  const analyzed = analyzeModelfile(parsed.ast);
  const diagnostics = [...decoded.diagnostics, ...parsed.diagnostics, ...analyzed.diagnostics].sort(
    (a, b) => (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0),
  );
  return { result: { decoded, ast: parsed.ast, modelfile: analyzed.modelfile, references: analyzed.references, diagnostics }, diagnostics };
}
