import { error, type Diagnostic, type SourceRange } from "../../diagnostics/diagnostic.js";
import { didYouMean } from "../../diagnostics/suggest.js";
import type { Assertion } from "../test-file.js";
import { GRADED_TYPES, MODEL_TYPES } from "./extra.js";

/** A grader named by the file: `grader:`, or promptfoo's `options.provider` of defaultTest or of a case; where it is written. */
export interface GraderRef {
  name: string;
  file: string;
  range: SourceRange;
  /** How diagnostics name it, e.g. `grader` or `defaultTest.options.provider`. */
  label: string;
}

const hintFor = (name: string, projectModels?: readonly string[]) => didYouMean(name, projectModels ?? []) ?? (projectModels?.length ? `the project's models: ${projectModels.join(", ")}` : undefined);

/** MS6202 when a grader the file names is not a project model (when the project's models are known). */
export function checkGrader(ref: GraderRef, projectModels?: readonly string[]): Diagnostic[] {
  if (projectModels === undefined || projectModels.includes(ref.name)) return [];
  return [error("MS6202", `${ref.label} \`${ref.name}\` is not a model of the project`, { file: ref.file, range: ref.range, hint: hintFor(ref.name, projectModels) })];
}

/**
 * Gives each model-graded assertion its grader: its own `provider:`, else the
 * grader of its case (`grader:`, or `options.provider` of the case or of
 * defaultTest, as promptfoo's grading provider). Reports a graded assertion with
 * neither (MS6201: there is no default grader) and an assertion's provider that
 * is not a project model (MS6202), when the project's models are known.
 * `file` is the file the assertions are written in.
 */
export function assignGraders(grader: GraderRef | undefined, file: string, assertions: readonly Assertion[], projectModels?: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const a of assertions) {
    if (!MODEL_TYPES.has(a.type)) continue;
    if (a.provider !== undefined) {
      if (projectModels !== undefined && !projectModels.includes(a.provider)) diagnostics.push(error("MS6202", `${a.name}: \`${a.provider}\` is not a model of the project`, { file, range: a.range, hint: hintFor(a.provider, projectModels) }));
    } else if (GRADED_TYPES.has(a.type)) {
      if (grader !== undefined) a.provider = grader.name;
      else diagnostics.push(error("MS6201", `${a.name} needs a grader: a model of the project`, { file, range: a.range, hint: "add `grader: NAME` at the top of the file (or defaultTest.options.provider), or `provider: NAME` to the assertion" }));
    }
  }
  return diagnostics;
}
