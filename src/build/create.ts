import { stat } from "node:fs/promises";
import path from "node:path";
import { error, type SourceRange } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import type { Project } from "../project/project.js";
import { YamlSource } from "../project/yaml-source.js";
import { findQuantType, missingImatrixDiagnostic, unknownTypeDiagnostic } from "../quantize/types.js";
import { formatModelName, parseModelName } from "../store/name.js";
import { buildAndTest, type BuildAndTestOptions } from "./build-and-test.js";
import type { BuildReport } from "./build.js";

export interface CreateOptions extends Omit<BuildAndTestOptions, "dir" | "models" | "frozen" | "standalone" | "test"> {
  /** The model's name as `ollama create` takes it: `[host/][namespace/]model[:tag]`. */
  name: string;
  /** The Modelfile's path (relative to the working directory). */
  modelfile: string;
  /** `--quantize`: quantize the model layer to this type. */
  quantize?: string;
}

const NOWHERE: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

/**
 * `modelsmith create NAME [-f Modelfile] [--quantize T]`, Ollama's create:
 * builds one Modelfile without a project file, through the same build path
 * and store as `build` (a project of one model, built standalone: no
 * models.lock, no prompt tests, FROM names no project model, so a short name
 * is a stored model or the Ollama library). Paths in the Modelfile are
 * relative to it. The model is written under NAME alone; the manifest is the
 * one `build` makes of the same Modelfile. Bad input (no Modelfile, an
 * invalid name or quantization type) is an InputError before anything runs.
 */
export async function createModel(o: CreateOptions): Promise<{ report: BuildReport; manifest: string; name: string }> {
  const name = parseModelName(o.name);
  const modelfile = path.resolve(o.modelfile);
  const isFile = await stat(modelfile).then((s) => s.isFile(), () => false);
  if (!isFile) {
    throw new InputError(error("MS5270", `no Modelfile at ${o.modelfile}`, { hint: `looked for ${modelfile}; name the file with -f <path>, or run where ./Modelfile is` }));
  }
  if (o.quantize !== undefined) {
    const type = findQuantType(o.quantize);
    const bad = type ? missingImatrixDiagnostic(type, false) : unknownTypeDiagnostic(o.quantize);
    if (bad) throw new InputError({ ...bad, message: `--quantize: ${bad.message}` });
  }
  const project: Project = {
    root: path.dirname(modelfile),
    file: modelfile,
    models: [{ name: name.model, modelfile, modelfileRange: NOWHERE, range: NOWHERE, quantize: o.quantize === undefined ? [] : [o.quantize], quantizeRanges: [NOWHERE], tags: [], tests: [] }],
    aliases: {},
    defaults: { quantize: [], namespace: name.namespace },
    source: new YamlSource("", o.display(modelfile)),
  };
  const { report } = await buildAndTest({ ...o, dir: project.root, test: false, standalone: { project, name } });
  const built = report.variants[0]!;
  return { report, manifest: built.manifest, name: formatModelName(name) };
}
