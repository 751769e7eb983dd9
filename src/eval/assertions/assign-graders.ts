import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { didYouMean } from "../../diagnostics/suggest.js";
import type { YamlSource } from "../../project/yaml-source.js";
import type { Assertion } from "../test-file.js";
import { GRADED_TYPES, MODEL_TYPES } from "./extra.js";

/**
 * Gives each model-graded assertion its grader: its own `provider:`, else the
 * file's `grader:` (promptfoo's `provider` grading option, named here by a
 * project model). Reports a graded assertion with neither (MS6201: there is no
 * default grader) and a grader or embedding model that is not a project model
 * (MS6202), when the project's models are known.
 */
export function assignGraders(source: YamlSource, top: Record<string, unknown>, assertions: readonly Assertion[], projectModels?: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const grader = typeof top.grader === "string" ? top.grader : undefined;
  const unknown = (name: string) => projectModels !== undefined && !projectModels.includes(name);
  const hint = (name: string) => didYouMean(name, projectModels ?? []) ?? (projectModels?.length ? `the project's models: ${projectModels.join(", ")}` : undefined);
  if (grader !== undefined && unknown(grader)) diagnostics.push(error("MS6202", `grader \`${grader}\` is not a model of the project`, { file: source.file, range: source.rangeAt(["grader"]), hint: hint(grader) }));
  for (const a of assertions) {
    if (!MODEL_TYPES.has(a.type)) continue;
    if (a.provider !== undefined) {
      if (unknown(a.provider)) diagnostics.push(error("MS6202", `${a.name}: \`${a.provider}\` is not a model of the project`, { file: source.file, range: a.range, hint: hint(a.provider) }));
    } else if (GRADED_TYPES.has(a.type)) {
      if (grader !== undefined) a.provider = grader;
      else diagnostics.push(error("MS6201", `${a.name} needs a grader: a model of the project`, { file: source.file, range: a.range, hint: "add `grader: NAME` at the top of the file, or `provider: NAME` to the assertion" }));
    }
  }
  return diagnostics;
}
