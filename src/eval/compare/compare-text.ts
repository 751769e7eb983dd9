import { readFile } from "node:fs/promises";
import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../../diagnostics/errors.js";
import type { Project } from "../../project/project.js";

/** A model's comparison text: `models.<name>.compare.text` in modelsmith.yaml, read. */
export interface CompareText {
  /** Absolute path. */
  file: string;
  text: string;
}

/**
 * Reads the text a model's variants are compared over: the file named by
 * `compare: {text: <path>}` under the model in modelsmith.yaml, relative to
 * the project file (the schema allows the key; see src/project/schema.ts).
 * Undefined when the model sets none. InputError MS4006 at the key when the
 * file does not exist, EnvironmentError MS9003 when it cannot be read.
 */
export async function readCompareText(project: Project, model: string, display: (abs: string) => string): Promise<CompareText | undefined> {
  const compare = project.models.find((m) => m.name === model)?.compare;
  if (!compare) return undefined;
  const file = compare.text;
  const rel = path.relative(project.root, file);
  try {
    return { file, text: await readFile(file, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new InputError(error("MS4006", `compare text not found: ${rel}`, { file: display(project.file), range: compare.range, hint: "paths are relative to modelsmith.yaml" }));
    }
    throw new EnvironmentError(error("MS9003", `cannot read the compare text ${display(file)}: ${(e as Error).message}`));
  }
}
