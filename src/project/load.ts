import { stat } from "node:fs/promises";
import { isRefusedFile, readRegularText, refusedFileCode } from "../fsutil/read-regular.js";
import path from "node:path";
import { error, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { PROJECT_FILE, parseProject, type Project } from "./project.js";

/**
 * The nearest folder at or above `dir` that holds `modelsmith.yaml`, as npm
 * finds package.json and git finds .git: a command run in a subfolder of a
 * project (or with `-C` pointing into one) works on that project. Undefined
 * when no folder up to the file system's root has one.
 */
export async function findProjectDir(dir: string): Promise<string | undefined> {
  let at = path.resolve(dir);
  for (;;) {
    const s = await stat(path.join(at, PROJECT_FILE)).catch(() => undefined);
    if (s?.isFile()) return at;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/**
 * Reads `modelsmith.yaml` from `dir` or its nearest parent that has one
 * (findProjectDir). Throws InputError (MS4007) when there is none; otherwise
 * returns the project (absent when invalid), every diagnostic, and the file's
 * text for code frames.
 */
export async function loadProject(dir: string): Promise<{ project?: Project; diagnostics: Diagnostic[]; file: string; text: string }> {
  const found = await findProjectDir(dir);
  if (found === undefined) {
    throw new InputError(
      error("MS4007", `no ${PROJECT_FILE} in ${path.resolve(dir)} or any folder above it`, {
        hint: "run in the project's directory, pass -C <dir>, create one with `modelsmith init`, or build a single Modelfile with `modelsmith create NAME`",
      }),
    );
  }
  const file = path.join(found, PROJECT_FILE);
  let text: string;
  try {
    text = await readRegularText(file);
  } catch (cause) {
    if (isRefusedFile(cause)) throw new InputError(error(refusedFileCode(cause), `cannot read ${PROJECT_FILE}: ${cause.message}`, { file: path.relative(process.cwd(), file) || file }));
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
