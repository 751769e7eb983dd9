import { homedir } from "node:os";
import path from "node:path";
import { warning, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import type { FileReference } from "../modelfile/instructions.js";

const HINT = "its content goes into the built model (and whatever you push); copy it into the project if you did not mean to publish it";

/** True when `file` is not `root` and not under it (path-wise; `..` and absolute paths elsewhere). */
export function isOutside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/**
 * Warnings MS4092 for the files a model takes into its artifact from outside
 * the project directory: the Modelfile itself (at its `modelfile:` line) and
 * the files its FORMAT and ADAPTER lines name. FROM is left alone: a shared
 * folder of base weights beside the project is common, and its digest is pinned.
 */
export function outsideProjectWarnings(
  projectRoot: string,
  modelfile: { abs: string; shown: string; at: { file: string; range?: SourceRange } },
  refs: readonly FileReference[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (isOutside(projectRoot, modelfile.abs)) out.push(warning("MS4092", `the Modelfile ${modelfile.shown} is outside the project directory`, { ...modelfile.at, hint: HINT }));
  for (const ref of refs) {
    if (ref.instruction === "FROM") continue;
    const abs = path.resolve(path.dirname(modelfile.abs), ref.path.replace(/^~(?=$|[\\/])/, homedir()));
    if (isOutside(projectRoot, abs)) out.push(warning("MS4092", `${ref.instruction} ${ref.path} is outside the project directory`, { file: modelfile.shown, range: ref.range, hint: HINT }));
  }
  return out;
}
