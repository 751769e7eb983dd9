import { error, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError, ModelsmithError } from "../diagnostics/errors.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { checkQuantize } from "../check/check-quantize.js";
import type { Project, ProjectModel } from "../project/project.js";
import { EvalCache } from "./cache.js";
import { loadTestFile } from "./load-test-file.js";
import type { EvalModel } from "./model.js";
import { casesFromCache, runCases, type CaseResult } from "./runner.js";
import type { TestCase } from "./test-file.js";
import { needsModels } from "./graders.js";
import { projectGradingModels, type OpenEmbedder } from "./grading-models.js";

/** Opens a built model by its store name; the runtime's `openModel` fits. */
export type OpenModel = (storeRoot: string, name: string, options: { parallel: number }) => Promise<EvalModel & { close(): Promise<void> }>;

export interface ProjectTestOptions {
  /** `name` (each of its variants) or `name:tag` of project models; empty: every variant of every model that has tests. */
  models: readonly string[];
  storeRoot: string;
  open: OpenModel;
  /** Loads a grader (a project model named by `grader:`/`provider:`); default `open`. */
  openGrader?: OpenModel;
  /** Loads a model for embeddings (`similar`, answer-relevance). */
  openEmbedder?: OpenEmbedder;
  /** The cache key's parts of a model without loading it (the runtime's `describeModel`): when every case is cached, the model is not loaded. */
  describe?: (storeRoot: string, name: string) => Promise<Pick<EvalModel, "name" | "manifestDigest" | "backend">>;
  /** Keeps cases whose name or id matches. */
  grep?: RegExp;
  /** Re-generate instead of reading cached outputs (results are cached again). */
  noCache?: boolean;
  /** Sequences per model, generations in flight (default 4). */
  parallel?: number;
  /** How a path is shown in diagnostics. */
  display: (abs: string) => string;
  /** Receives the text of each test file read, for code frames. */
  sources: Map<string, string>;
  onModel?: (name: string, cases: number) => void;
  onCase?: (result: CaseResult) => void;
}

interface Target {
  model: ProjectModel;
  tag: string;
}

/**
 * `modelsmith test` without the CLI: picks the models, validates every test
 * file they list (all problems of all files, then InputError: exit 2), filters
 * cases, and runs each model's cases with the model loaded once. A model that
 * cannot load is an EnvironmentError (exit 3); an unknown or unbuilt model
 * is the runtime's InputError (exit 2). Returns every case result in order:
 * by model as named, then by file and position.
 */
export async function runProjectTests(project: Project, opts: ProjectTestOptions): Promise<CaseResult[]> {
  const targets = selectTargets(project, opts.models);
  const projectFile = opts.display(project.file);
  const diagnostics: Diagnostic[] = [];
  const casesOf = new Map<Target, TestCase[]>();
  const loaded = new Map<string, Promise<Awaited<ReturnType<typeof loadTestFile>>>>();
  for (const t of targets) {
    const cases: TestCase[] = [];
    for (const test of t.model.tests) {
      const display = opts.display(test.file);
      const first = !loaded.has(test.file);
      if (first) loaded.set(test.file, loadTestFile(test.file, display, { projectModels: project.models.map((m) => m.name) }));
      const r = await loaded.get(test.file)!;
      if (r.text !== undefined) opts.sources.set(display, r.text);
      for (const [name, text] of r.sources ?? []) opts.sources.set(name, text);
      if (first) diagnostics.push(...r.diagnostics.map((d) => (d.code === "MS4006" && !d.range ? { ...d, file: projectFile, range: test.range, hint: "paths are relative to modelsmith.yaml" } : d)));
      if (r.suite?.model !== undefined && r.suite.model !== t.model.name) {
        diagnostics.push(error("MS6015", `${display} tests \`${r.suite.model}\` but is listed under \`${t.model.name}\``, { file: projectFile, range: test.range, hint: `list it under \`${r.suite.model}\`, or drop its \`model:\` key` }));
      }
      if (r.suite) cases.push(...r.suite.cases);
    }
    casesOf.set(t, opts.grep ? cases.filter((c) => opts.grep!.test(c.name) || opts.grep!.test(c.id)) : cases);
  }
  if (hasErrors(diagnostics)) throw new InputError(diagnostics);

  const cache = new EvalCache(opts.storeRoot);
  const results: CaseResult[] = [];
  for (const [t, cases] of casesOf) {
    if (cases.length === 0) continue;
    const name = storeName(project, t);
    opts.onModel?.(name, cases.length);
    const parallel = opts.parallel ?? 4;
    const grading = cases.some(needsModels) ? gradingFor(project, opts, name, cache) : undefined;
    try {
      const known = opts.describe && !opts.noCache ? await casesFromCache(await opts.describe(opts.storeRoot, name), cases, cache, grading) : undefined;
      if (known) {
        for (const r of known) opts.onCase?.(r);
        results.push(...known);
        continue;
      }
      let model: Awaited<ReturnType<OpenModel>>;
      try {
        model = await opts.open(opts.storeRoot, name, { parallel });
      } catch (e) {
        if (e instanceof ModelsmithError) throw e;
        throw new EnvironmentError(error("MS6017", `cannot load ${name} to test it: ${(e as Error).message ?? String(e)}`, { hint: "rebuild it with `modelsmith build`, and check it with `modelsmith verify`" }), { cause: e });
      }
      try {
        results.push(...(await runCases(model, cases, { cache, refresh: opts.noCache ?? false, parallel, ...(opts.onCase ? { onCase: opts.onCase } : {}), ...(grading ? { grading } : {}) })));
      } finally {
        await model.close();
      }
    } finally {
      await grading?.close();
    }
  }
  return results;
}

/** The project's models as graders and embedders for the cases of `underTest` (a store name); their answers cached in `cache` when the models can be described unloaded. */
function gradingFor(project: Project, opts: ProjectTestOptions, underTest: string, cache: EvalCache) {
  const openEmbedder = opts.openEmbedder;
  return projectGradingModels({
    storeRoot: opts.storeRoot,
    underTest,
    ...(opts.describe ? { cache, describe: opts.describe } : {}),
    refresh: opts.noCache ?? false,
    storeName: (name) => {
      const model = project.models.find((m) => m.name === name);
      if (!model) throw new Error(`\`${name}\` is not a model of the project`); // validation reports it first (MS6202)
      const tags = checkQuantize(model, project.file).variants.map((v) => v.tag);
      return storeName(project, { model, tag: tags[0] ?? "latest" });
    },
    openGrader: opts.openGrader ?? opts.open,
    openEmbedder: openEmbedder ?? (() => Promise.reject(new Error("no embedding model loader was given"))),
  });
}

/**
 * The models to test: as named (`name`: each of its variants, `name:tag`: that
 * one), else each variant of every model with test files. A model's variants
 * are the tags of its `quantize:` types (`q4_k_m`, `q8_0`), or `latest` when it
 * has none: what `build` makes of it (`latest` and `tags:` name the first
 * variant again, and are not tested twice).
 */
function selectTargets(project: Project, names: readonly string[]): Target[] {
  const variants = (model: ProjectModel): Target[] => {
    const tags = checkQuantize(model, project.file).variants.map((v) => v.tag);
    return (tags.length > 0 ? tags : ["latest"]).map((tag) => ({ model, tag }));
  };
  if (names.length === 0) return project.models.filter((m) => m.tests.length > 0).flatMap(variants);
  const known = project.models.map((m) => m.name);
  const problems: Diagnostic[] = [];
  const targets: Target[] = [];
  for (const n of names) {
    const [base, tag] = n.split(":", 2) as [string, string?];
    const model = project.models.find((m) => m.name === base);
    if (!model) {
      problems.push(error("MS6010", `model \`${base}\` is not in the project`, { hint: didYouMean(base, known) ?? `the project's models: ${known.join(", ")}` }));
      continue;
    }
    for (const t of tag === undefined ? variants(model) : [{ model, tag }]) {
      if (!targets.some((x) => x.model === t.model && x.tag === t.tag)) targets.push(t);
    }
  }
  if (problems.length) throw new InputError(problems);
  return targets;
}

/** The store name `build` gives a project model's variant: `[namespace/]name:tag`. */
export function storeName(project: Project, t: Target): string {
  const ns = project.defaults.namespace;
  return `${ns === "library" ? "" : `${ns}/`}${t.model.name}:${t.tag}`;
}

