import { existsSync } from "node:fs";
import path from "node:path";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Project } from "../project/project.js";
import { loadTestFile } from "../eval/load-test-file.js";
import { checkReferences } from "./check-references.js";
import { fromFileFirst } from "./from-file.js";
import { outsideProjectWarnings } from "./outside-project.js";
import { readModelfileFromDisk } from "./read-modelfile.js";
import { parseReference } from "../resolve/reference.js";
import { checkQuantize } from "./check-quantize.js";
import { adapterOnFrom, parseAdapterReference } from "./adapter-reference.js";

export interface CheckedModel {
  name: string;
  modelfile: string;
  diagnostics: Diagnostic[];
}

/**
 * Validates everything a project names without building: each model's
 * quantization types, each Modelfile (decode, syntax, validation, the files it
 * names) and each test file (the eval module's full validation). Collects every problem. `sources` receives the decoded
 * text of each file read, for code frames.
 */
export async function checkProject(project: Project, display: (abs: string) => string, sources: Map<string, string>): Promise<CheckedModel[]> {
  const projectDisplay = display(project.file);
  const out: CheckedModel[] = [];
  for (const model of project.models) {
    const shown = display(model.modelfile);
    const quantize = checkQuantize(model, projectDisplay).diagnostics;
    const { result, diagnostics } = await readModelfileFromDisk(model.modelfile, shown, { file: projectDisplay, range: model.modelfileRange });
    const all = [...diagnostics];
    if (result) {
      sources.set(shown, result.text);
      all.push(...(await checkReferences(model.modelfile, shown, result.references)));
      all.push(...outsideProjectWarnings(project.root, { abs: model.modelfile, shown, at: { file: projectDisplay, range: model.modelfileRange } }, result.references));
      const from = result.modelfile.from;
      if (from) {
        const text = await fromFileFirst(from.ref, model.modelfile);
        if (text !== from.ref) all.push(...(await checkReferences(model.modelfile, shown, [{ instruction: "FROM", path: text, range: from.range }])));
        const ctx = { aliases: project.aliases, projectModels: project.models.map((m) => m.name), ...(text === from.ref ? { origin: from.range.start } : {}), file: shown };
        const parsed = parseReference(text, ctx);
        all.push(...parsed.diagnostics.map((d) => (text === from.ref ? d : { ...d, range: from.range })));
        const adapter = adapterOnFrom(parsed.reference, { file: shown, range: from.range });
        if (adapter) all.push(adapter);
      }
      for (const a of result.modelfile.adapters) all.push(...parseAdapterReference(a.path, { file: shown, range: a.range }).diagnostics);
      all.sort((a, b) => (a.file === b.file ? (a.range?.start.offset ?? 0) - (b.range?.start.offset ?? 0) : 0));
    }
    if (model.compare && !existsSync(model.compare.text)) {
      all.push(error("MS4006", `compare text not found: ${path.relative(project.root, model.compare.text)}`, { file: projectDisplay, range: model.compare.range, hint: "paths are relative to modelsmith.yaml" }));
    }
    for (const test of model.tests) all.push(...(await checkTestFile(test.file, display(test.file), projectDisplay, test.range, sources, project.models.map((m) => m.name))));
    out.push({ name: model.name, modelfile: shown, diagnostics: [...quantize, ...all] });
  }
  return out;
}

/** A test file: present (else an error at its line in the project file), then fully validated by the eval module. */
async function checkTestFile(abs: string, shown: string, projectDisplay: string, range: Diagnostic["range"], sources: Map<string, string>, projectModels: string[]): Promise<Diagnostic[]> {
  if (!existsSync(abs)) {
    return [error("MS4006", `test file not found: ${path.relative(path.dirname(projectDisplay), abs) || abs}`, { file: projectDisplay, range, hint: "paths are relative to modelsmith.yaml" })];
  }
  const { diagnostics, text, sources: named } = await loadTestFile(abs, shown, { projectModels });
  if (text !== undefined) sources.set(shown, text);
  for (const [name, t] of named ?? []) sources.set(name, t);
  return diagnostics;
}
