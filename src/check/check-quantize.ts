import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectModel } from "../project/project.js";
import { findQuantType, missingImatrixDiagnostic, unknownTypeDiagnostic } from "../quantize/types.js";

/**
 * A model's `quantize:` types, checked at their YAML position: each must be a
 * type llama.cpp offers (did-you-mean otherwise) that needs no importance
 * matrix (the project file has no imatrix setting yet). Returns the valid ones
 * as variants (tag: the type as written in the table, lower case; type: its
 * canonical name) and a diagnostic for each other.
 */
export function checkQuantize(model: ProjectModel, projectFile: string): { variants: { tag: string; type: string }[]; diagnostics: Diagnostic[] } {
  const variants: { tag: string; type: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  model.quantize.forEach((name, i) => {
    const at = { file: projectFile, range: model.quantizeRanges[i] };
    const type = findQuantType(name);
    const problem = type ? missingImatrixDiagnostic(type, false, at) : unknownTypeDiagnostic(name, at);
    if (problem) diagnostics.push(problem);
    else variants.push({ tag: type!.name.toLowerCase(), type: type!.canonical });
  });
  return { variants, diagnostics };
}
