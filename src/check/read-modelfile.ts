import { isRefusedFile, readRegularFile, refusedFileCode } from "../fsutil/read-regular.js";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { readModelfile, type LoadedModelfile } from "../modelfile/index.js";

/**
 * Reads one Modelfile from disk, then decodes, parses and validates it
 * (`readModelfile`, pure): the IO edge around the parser. `display` is the name
 * diagnostics use for the file. A file that cannot be read gives no result and
 * an MS4006 (not found) or MS9003 diagnostic, at `referencedAt` when a project
 * file names it.
 */
export async function readModelfileFromDisk(
  path: string,
  display: string,
  referencedAt?: { file: string; range: SourceRange },
): Promise<{ result?: LoadedModelfile; diagnostics: Diagnostic[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const where = referencedAt ?? { file: display };
    if (isRefusedFile(cause)) return { diagnostics: [error(refusedFileCode(cause), `cannot read ${display}: ${cause.message}`, where)] };
    if (code === "ENOENT") return { diagnostics: [error("MS4006", `Modelfile not found: ${display}`, { ...where, hint: "paths are relative to the file that names them" })] };
    return { diagnostics: [error("MS9003", `cannot read ${display}: ${(cause as Error).message}`, where)] };
  }
  const result = readModelfile(bytes, display);
  return { result, diagnostics: result.diagnostics };
}
