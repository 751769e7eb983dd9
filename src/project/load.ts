import { isRefusedFile, readRegularText, refusedFileCode } from "../fsutil/read-regular.js";
import path from "node:path";
import { error, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { PROJECT_FILE, parseProject, type Project } from "./project.js";

/**
 * Reads `modelsmith.yaml` from `dir`. Throws InputError (MS4007) when there is
 * none; otherwise returns the project (absent when invalid), every diagnostic,
 * and the file's text for code frames.
 */
export async function loadProject(dir: string): Promise<{ project?: Project; diagnostics: Diagnostic[]; file: string; text: string }> {
  const file = path.join(dir, PROJECT_FILE);
  let text: string;
  try {
    text = await readRegularText(file);
  } catch (cause) {
    if (isRefusedFile(cause)) throw new InputError(error(refusedFileCode(cause), `cannot read ${PROJECT_FILE}: ${cause.message}`, { file: path.relative(process.cwd(), file) || file }));
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(
        error("MS4007", `no ${PROJECT_FILE} in ${path.resolve(dir)}`, {
          hint: "run in the project's directory, pass -C <dir>, or create one with `modelsmith init`",
        }),
      );
    }
    throw cause;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const display = path.relative(process.cwd(), file) || file;
  const { project, diagnostics } = parseProject(text, display);
  return { project, diagnostics, file: display, text };
}

/** Like loadProject, but throws InputError unless the project is valid. */
export async function requireProject(dir: string): Promise<Project> {
  const { project, diagnostics } = await loadProject(dir);
  if (!project || hasErrors(diagnostics)) throw new InputError(diagnostics);
  return project;
}
