import path from "node:path";
import type { Diagnostic, SourceRange } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { projectSchema } from "./schema.js";
import { validateWithSchema } from "./validate.js";
import { YamlSource } from "./yaml-source.js";

export const PROJECT_FILE = "modelsmith.yaml";

export interface ProjectModel {
  name: string;
  /** Absolute path of the Modelfile. */
  modelfile: string;
  /** Where `modelfile:` is written in the project file. */
  modelfileRange: SourceRange;
  /** Where the model's name is written. */
  range: SourceRange;
  /** Quantization types, one variant each; empty means the base weights as they are. */
  quantize: string[];
  /** Where each `quantize` entry is written (in `defaults:` when the model inherits it). */
  quantizeRanges: SourceRange[];
  tags: string[];
  /** `convert:`: output type when FROM is a Hugging Face checkpoint folder (absent means F16), and of PEFT adapters (absent means F32). */
  convert?: "F32" | "F16" | "BF16";
  /** Absolute paths of the model's test files, each with where it is written. */
  tests: { file: string; range: SourceRange }[];
  /** `compare: {text}`: the text `test --compare` measures variants over (absolute path), with where it is written. */
  compare?: { text: string; range: SourceRange };
}

export interface Project {
  /** Directory holding the project file. */
  root: string;
  /** Absolute path of the project file. */
  file: string;
  models: ProjectModel[];
  aliases: Record<string, string>;
  defaults: { quantize: string[]; namespace: string };
  /** `cache: {from, to}`: the remote build cache (remote-cache.ts), each with where it is written. */
  cache?: { from?: { text: string; range: SourceRange }; to?: { text: string; range: SourceRange } };
  source: YamlSource;
}

interface RawModel {
  modelfile: string;
  quantize?: string | string[];
  tags?: string[];
  tests?: string | string[];
  convert?: "F32" | "F16" | "BF16";
  compare?: { text: string };
}
interface RawProject {
  models: Record<string, RawModel>;
  aliases?: Record<string, string>;
  defaults?: { quantize?: string | string[]; namespace?: string };
  cache?: { from?: string; to?: string };
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Parses and validates a project file's text. Pure: paths are resolved against
 * the file's directory but not touched. Returns every problem found; `project`
 * is set only when there is no error.
 */
export function parseProject(text: string, file: string): { project?: Project; diagnostics: Diagnostic[] } {
  const source = new YamlSource(text, file);
  if (source.diagnostics.length) return { diagnostics: source.diagnostics };
  const value = source.value() ?? null;
  const diagnostics = validateWithSchema(source, projectSchema, value);
  if (hasErrors(diagnostics)) return { diagnostics };
  const raw = value as RawProject;
  const root = path.dirname(path.resolve(file));
  const defaults = { quantize: list(raw.defaults?.quantize), namespace: raw.defaults?.namespace ?? "library" };
  const quantizeRanges = (v: string | string[] | undefined, at: (string | number)[]) =>
    Array.isArray(v) ? v.map((_, i) => source.rangeAt([...at, i])) : v === undefined ? [] : [source.rangeAt(at)];
  const models = Object.entries(raw.models).map(([name, m]): ProjectModel => ({
    name,
    quantizeRanges: m.quantize === undefined ? quantizeRanges(raw.defaults?.quantize, ["defaults", "quantize"]) : quantizeRanges(m.quantize, ["models", name, "quantize"]),
    modelfile: path.resolve(root, m.modelfile),
    modelfileRange: source.rangeAt(["models", name, "modelfile"]),
    range: source.rangeAt(["models", name], { key: true }),
    quantize: m.quantize === undefined ? defaults.quantize : list(m.quantize),
    tags: m.tags ?? [],
    ...(m.convert ? { convert: m.convert } : {}),
    tests: list(m.tests).map((t, i) => ({
      file: path.resolve(root, t),
      range: source.rangeAt(Array.isArray(m.tests) ? ["models", name, "tests", i] : ["models", name, "tests"]),
    })),
    ...(m.compare ? { compare: { text: path.resolve(root, m.compare.text), range: source.rangeAt(["models", name, "compare", "text"]) } } : {}),
  }));
  const cacheAt = (which: "from" | "to") => (raw.cache?.[which] !== undefined ? { [which]: { text: raw.cache[which]!, range: source.rangeAt(["cache", which]) } } : {});
  const cache = raw.cache ? { ...cacheAt("from"), ...cacheAt("to") } : undefined;
  return { project: { root, file: path.resolve(file), models, aliases: raw.aliases ?? {}, defaults, ...(cache ? { cache } : {}), source }, diagnostics };
}
