import path from "node:path";
import { error, hasErrors, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { checkQuantize } from "../check/check-quantize.js";
import { fromFileFirst } from "../check/from-file.js";
import { homedir } from "node:os";
import { readGgufFile } from "../gguf/reader.js";
import { isLocalPath } from "../resolve/file-ref.js";
import { isProjectorGguf } from "./projector.js";
import { readProblem, schemaProblems } from "../check/check-references.js";
import { isRefusedFile, MAX_SCHEMA_FILE, readRegularText } from "../fsutil/read-regular.js";
import { readModelfileFromDisk } from "../check/read-modelfile.js";
import { outsideProjectWarnings } from "../check/outside-project.js";
import type { TypedModelfile } from "../modelfile/instructions.js";
import type { Project } from "../project/project.js";
import { rebaseLocalPath } from "../resolve/file-ref.js";
import { parseReference } from "../resolve/reference.js";
import type { FileReference, Reference } from "../resolve/reference-types.js";
import { adapterOnFrom, parseAdapterReference, type AdapterReference } from "../check/adapter-reference.js";
import type { ParamValue } from "../store/layer-content.js";
import type { OwnLayerDefs } from "./own-layers.js";

/** One model of the project, read and checked, its references parsed but not resolved (no store, no network). */
export interface LoadedModel {
  name: string;
  /** Display name of the Modelfile. */
  modelfile: string;
  quantize: { tag: string; type: string }[];
  tags: string[];
  /** `convert:` of modelsmith.yaml (a checkpoint base's output type). */
  convert?: "F32" | "F16" | "BF16";
  /** The base, with a local path rebased to the project root. */
  base: Reference;
  /** Where FROM is written. */
  at: { file: string; range: SourceRange };
  /** Local files rebased to the project root, or `testmodel://lora?…`; `text` as the Modelfile writes it. */
  adapters: { ref: AdapterReference; text: string; at: { file: string; range: SourceRange } }[];
  /** Vision projector files (later FROM lines), rebased like the base. */
  projectors: { ref: FileReference; at: { file: string; range: SourceRange } }[];
  /** Own layers except the adapters' digests (filled in once they are resolved). */
  own: Omit<OwnLayerDefs, "adapters">;
}

/**
 * Reads every Modelfile of `project` and checks what a build needs before it
 * touches the store: syntax and validation, the quantization types (at their
 * YAML line), the FROM reference (aliases, project models) and the FORMAT
 * schema file. Every problem is collected; any error throws one InputError
 * with all of them (warnings come back with the models). `sources` receives
 * each file's text for code frames.
 */
export async function loadModels(project: Project, display: (abs: string) => string, sources: Map<string, string>, o: { projectModels?: readonly string[] } = {}): Promise<{ models: LoadedModel[]; warnings: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const out: LoadedModel[] = [];
  const projectFile = display(project.file);
  // Names FROM may use for another model of the project (none for `create`: a stored model of that name is meant).
  const names = o.projectModels ?? project.models.map((m) => m.name);
  for (const model of project.models) {
    const shown = display(model.modelfile);
    const { result, diagnostics: read } = await readModelfileFromDisk(model.modelfile, shown, { file: projectFile, range: model.modelfileRange });
    diagnostics.push(...read);
    const { variants: quantize, diagnostics: badTypes } = checkQuantize(model, projectFile);
    diagnostics.push(...badTypes);
    if (!result) continue;
    sources.set(shown, result.text);
    diagnostics.push(...outsideProjectWarnings(project.root, { abs: model.modelfile, shown, at: { file: projectFile, range: model.modelfileRange } }, result.references));
    const m = result.modelfile;
    if (!m.from || hasErrors(read)) continue;
    const at = { file: shown, range: m.from.range };
    const fromText = await fromFileFirst(m.from.ref, model.modelfile);
    const parsed = parseReference(fromText, { aliases: project.aliases, projectModels: names, ...(fromText === m.from.ref ? { origin: m.from.range.start } : {}), file: shown });
    const base = checkBase(parsed.reference, parsed.diagnostics.map((d) => (fromText === m.from!.ref ? d : { ...d, range: m.from!.range })), m.from.ref, project, at, diagnostics);
    const dir = path.relative(project.root, path.dirname(model.modelfile)).split(path.sep).join("/");
    const adapters = m.adapters.flatMap((a) => {
      const { ref, diagnostics: found } = parseAdapterReference(a.path, { file: shown, range: a.range });
      diagnostics.push(...found);
      return ref ? [{ ref: ref.kind === "file" ? rebaseLocalPath(ref, dir) : ref, text: a.path, at: { file: shown, range: a.range } }] : [];
    });
    const format = await readFormat(m, model.modelfile, shown, diagnostics);
    const projectors = await readProjectors(m, model.modelfile, shown, dir, diagnostics);
    if (!base) continue;
    out.push({
      name: model.name,
      modelfile: shown,
      quantize,
      tags: model.tags,
      ...(model.convert ? { convert: model.convert } : {}),
      base: base.kind === "file" ? rebaseLocalPath(base, dir) : base,
      at,
      adapters,
      projectors,
      own: { ...ownLayers(m), ...(format ? { format } : {}) },
    });
  }
  if (hasErrors(diagnostics)) throw new InputError(diagnostics);
  return { models: out, warnings: diagnostics };
}

/** The typed Modelfile's own layers, as plain values (no adapters, no FORMAT). */
export function ownLayers(m: TypedModelfile): Omit<OwnLayerDefs, "adapters" | "format"> {
  const params: Record<string, ParamValue> = {};
  for (const [k, p] of Object.entries(m.parameters)) params[k] = Array.isArray(p.value) ? [...p.value] : p.value;
  return {
    ...(m.template ? { template: m.template.text } : {}),
    ...(m.system ? { system: m.system.text } : {}),
    licenses: m.license.map((l) => l.text),
    params,
    messages: m.messages.map(({ role, content }) => ({ role, content })),
    ...(m.requires ? { requires: m.requires.version } : {}),
  };
}

/**
 * The reference's errors and warnings. A short name that falls through to the
 * Ollama library while one edit away from an alias or project model (MS4117)
 * is an error here (MS5204): the build would otherwise try to pull a model the
 * author almost certainly did not mean.
 */
function checkBase(ref: Reference | undefined, found: Diagnostic[], text: string, project: Project, at: { file: string; range: SourceRange }, out: Diagnostic[]): Reference | undefined {
  for (const d of found) {
    if (d.code === "MS4117") {
      const hint = didYouMean(text, Object.keys(project.aliases)) ?? didYouMean(text.split(":")[0]!, project.models.map((m) => m.name)) ?? d.hint;
      out.push(error("MS5204", `\`${text}\` is neither an alias nor a model of this project`, { file: d.file ?? at.file, ...(d.range ? { range: d.range } : { range: at.range }), ...(hint ? { hint } : {}) }));
    } else out.push(d);
  }
  const adapter = found.some((d) => d.severity === "error") ? undefined : adapterOnFrom(ref, at);
  if (adapter) return void out.push(adapter);
  return found.some((d) => d.severity === "error" || d.code === "MS4117") ? undefined : ref;
}

/**
 * The later FROM lines: each must be a GGUF file (a path, or a bare name of
 * a file beside the Modelfile) that is a vision projector as Ollama decides
 * it (isProjectorGGUF); else MS5271 at its line. A file that cannot be read
 * is left to the build's precheck (MS4006, MS3001).
 */
async function readProjectors(m: TypedModelfile, modelfile: string, shown: string, dir: string, out: Diagnostic[]): Promise<LoadedModel["projectors"]> {
  const found: LoadedModel["projectors"] = [];
  for (const p of m.projectors) {
    const at = { file: shown, range: p.range };
    const text = await fromFileFirst(p.ref, modelfile);
    if (!isLocalPath(text)) {
      out.push(error("MS5271", `\`${p.ref}\` is a second FROM, but no such file is beside the Modelfile`, { ...at, hint: "a Modelfile has one base model; a later FROM names a vision projector GGUF (e.g. `FROM ./mmproj.gguf`)" }));
      continue;
    }
    const abs = path.resolve(path.dirname(modelfile), text.replace(/^~(?=\/)/, homedir()));
    const meta = await readGgufFile(abs).then((g) => g.metadata, () => undefined);
    if (meta && !isProjectorGguf(meta)) {
      const arch = meta.get("general.architecture")?.value;
      out.push(error("MS5271", `${p.ref} is not a vision projector (general.architecture is \`${String(arch ?? "unknown")}\`)`, { ...at, hint: "a Modelfile has one base model; a later FROM names a projector GGUF (`general.architecture` clip, or `general.type` projector/mmproj)" }));
      continue;
    }
    found.push({ ref: rebaseLocalPath(localRef(text), dir), at });
  }
  return found;
}

function localRef(p: string): FileReference {
  const normalized = path.posix.normalize(p);
  return { kind: "file", path: /^(?:\.\.?\/|\/|~\/)/.test(p) ? (p.startsWith("./") ? `./${normalized}` : normalized) : `./${normalized}` };
}

async function readFormat(m: TypedModelfile, modelfile: string, shown: string, out: Diagnostic[]): Promise<OwnLayerDefs["format"]> {
  if (!m.format) return undefined;
  if (m.format.kind === "json") return { kind: "json" };
  const abs = path.resolve(path.dirname(modelfile), m.format.path);
  let text: string;
  try {
    text = await readRegularText(abs, MAX_SCHEMA_FILE);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    out.push(
      code === "ENOENT" || isRefusedFile(cause)
        ? readProblem(cause, "schema file", m.format.path, abs, { file: shown, range: m.format.range })
        : error("MS5209", `cannot read ${m.format.path}: ${(cause as Error).message}`, { file: shown, range: m.format.range }),
    );
    return undefined;
  }
  const problems = schemaProblems(text, m.format.path, { file: shown, range: m.format.range });
  out.push(...problems);
  return problems.length ? undefined : { kind: "schema", text };
}
