import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError, ModelsmithError } from "../../diagnostics/errors.js";
import { didYouMean } from "../../diagnostics/suggest.js";
import { loadModels } from "../../build/load.js";
import { readLockFile } from "../../build/lockfile.js";
import type { Project, ProjectModel } from "../../project/project.js";
import { Store } from "../../store/store.js";
import { runProjectTests } from "../run-project-tests.js";
import type { OpenEmbedder } from "../grading-models.js";
import { readCompareText, type CompareText } from "./compare-text.js";
import { decodeSpeed, type TimedModel } from "./decode-speed.js";
import type { Divergence } from "./divergence.js";
import { baseWeights, variantWeights, type BaseWeights, type VariantWeights } from "./model-layers.js";
import { ReferenceDistributions, type OpenScorer } from "./reference-text.js";

/** Opens a built model by store name; the runtime's `openModel` fits. */
export type OpenTimedModel = (storeRoot: string, name: string, options: { parallel: number }) => Promise<TimedModel>;

export interface CompareOptions {
  /** Project model names; empty: every model with `quantize` types. */
  models: readonly string[];
  storeRoot: string;
  open: OpenTimedModel;
  openScorer: OpenScorer;
  /** Loads a model for embeddings, for the prompt tests' `similar` and answer-relevance. */
  openEmbedder?: OpenEmbedder;
  /** Sequences per model for its prompt tests (default 4). */
  parallel?: number;
  /** Generate the prompt tests again instead of reading cached outputs. */
  noCache?: boolean;
  display: (abs: string) => string;
  sources: Map<string, string>;
  /** Progress, one line at a time (stderr in the CLI). */
  onProgress?: (line: string) => void;
}

/** One row of `test --compare`: a variant against its model's base. */
export interface VariantRow {
  model: string;
  tag: string;
  /** Store name, `[namespace/]model:tag`. */
  name: string;
  /** The variant's model layer (GGUF) blob. */
  digest: string;
  size: number;
  /** Prompt test cases run on the variant, and how many passed; passRate null without cases. */
  cases: number;
  passed: number;
  passRate: number | null;
  /** Decode speed (decode-speed.ts); null when the model stopped before two tokens. */
  tokensPerSecond: number | null;
  /** Against the base over the compare text; null without one. */
  meanKl: number | null;
  top1Agreement: number | null;
}

export interface ModelComparison {
  model: string;
  base: Pick<BaseWeights, "from" | "digest" | "size">;
  /** The compare text as displayed, the tokens of it used and the positions compared; null when the model sets no `compare.text`. */
  text: { file: string; tokens: number; positions: number } | null;
  variants: VariantRow[];
}

interface Target {
  model: ProjectModel;
  base: BaseWeights;
  variants: VariantWeights[];
  text: CompareText | undefined;
}

/**
 * `modelsmith test --compare` without the CLI. For each model: its variants
 * (one per `quantize` type) with their size, the pass rate of the model's
 * prompt tests run on each, decode speed, and, over the model's compare
 * text, mean KL divergence and top-1 agreement of each variant's next-token
 * distributions against the unquantized base (model-layers.ts says which
 * weights that is). Everything is checked (names, builds, the lock, the text
 * files) before any model loads. One model is loaded at a time.
 */
export async function compareModels(project: Project, opts: CompareOptions): Promise<ModelComparison[]> {
  const chosen = selectModels(project, opts.models);
  const { models: loaded } = await loadModels(project, opts.display, opts.sources);
  const onDisk = await readLockFile(project.root, opts.display, opts.sources);
  const store = new Store(opts.storeRoot, { statCache: false });
  const targets: Target[] = [];
  const problems: Diagnostic[] = [];
  for (const model of chosen) {
    const m = loaded.find((l) => l.name === model.name)!;
    try {
      targets.push({
        model,
        base: await baseWeights(project, model, m.base, onDisk.lock, store),
        variants: await variantWeights(project, model, m.quantize, store),
        text: await readCompareText(project, model.name, opts.display),
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.diagnostics);
    }
  }
  if (problems.length) throw new InputError(problems);

  const out: ModelComparison[] = [];
  for (const t of targets) out.push(await compareOne(project, t, opts));
  return out;
}

async function compareOne(project: Project, t: Target, opts: CompareOptions): Promise<ModelComparison> {
  const say = opts.onProgress ?? (() => {});
  let reference: ReferenceDistributions | undefined;
  if (t.text) {
    say(`comparing ${t.model.name}: scoring ${opts.display(t.text.file)} with the base ${t.base.from}`);
    const base = await scorer(opts, t.base.path, {}, `the base of ${t.model.name}`);
    try {
      reference = await ReferenceDistributions.of(base, t.text.text);
    } finally {
      await base.close();
    }
  }
  const rows: VariantRow[] = [];
  for (const v of t.variants) {
    let divergence: Divergence | undefined;
    if (reference) {
      say(`comparing ${t.model.name}: scoring with ${v.tag}`);
      const s = await scorer(opts, v.path, { contextSize: reference.contextSize }, v.name);
      try {
        divergence = await reference.compare(s);
      } finally {
        await s.close();
      }
    }
    say(`comparing ${t.model.name}: tests and decode speed of ${v.tag}`);
    const { cases, passed, tokensPerSecond } = await testAndTime(project, t, v, opts);
    rows.push({
      model: t.model.name,
      tag: v.tag,
      name: v.name,
      digest: v.digest,
      size: v.size,
      cases,
      passed,
      passRate: cases === 0 ? null : passed / cases,
      tokensPerSecond,
      meanKl: divergence ? divergence.meanKl : null,
      top1Agreement: divergence ? divergence.top1Agreement : null,
    });
  }
  return {
    model: t.model.name,
    base: { from: t.base.from, digest: t.base.digest, size: t.base.size },
    text: t.text && reference ? { file: opts.display(t.text.file), tokens: reference.tokens, positions: reference.positions } : null,
    variants: rows,
  };
}

/** The variant loaded once (runtime, with the Modelfile's layers): its prompt tests, then one timed generation. */
async function testAndTime(project: Project, t: Target, v: VariantWeights, opts: CompareOptions): Promise<{ cases: number; passed: number; tokensPerSecond: number | null }> {
  const parallel = opts.parallel ?? 4;
  let model: TimedModel;
  try {
    model = await opts.open(opts.storeRoot, v.name, { parallel });
  } catch (e) {
    if (e instanceof ModelsmithError) throw e;
    throw new EnvironmentError(error("MS6017", `cannot load ${v.name} to test it: ${(e as Error).message ?? String(e)}`, { hint: "rebuild it with `modelsmith build`, and check it with `modelsmith verify`" }), { cause: e });
  }
  try {
    const results = await runProjectTests(project, {
      models: [`${t.model.name}:${v.tag}`],
      storeRoot: opts.storeRoot,
      // The model is already loaded: the tests borrow it, it is closed below.
      open: async () => ({ name: model.name, manifestDigest: model.manifestDigest, backend: model.backend, generate: (r) => model.generate(r), close: async () => {} }),
      // Graders and embedders are other loads (a grader may be the model itself, loaded apart).
      openGrader: opts.open,
      ...(opts.openEmbedder ? { openEmbedder: opts.openEmbedder } : {}),
      noCache: opts.noCache ?? false,
      parallel,
      display: opts.display,
      sources: opts.sources,
    });
    const tokensPerSecond = await decodeSpeed(model, t.text?.text);
    return { cases: results.length, passed: results.filter((r) => r.status === "pass").length, tokensPerSecond };
  } finally {
    await model.close();
  }
}

async function scorer(opts: CompareOptions, file: string, o: { contextSize?: number }, what: string) {
  try {
    return await opts.openScorer(file, o);
  } catch (e) {
    if (e instanceof ModelsmithError) throw e;
    throw new EnvironmentError(error("MS6017", `cannot load ${what} to compare it: ${(e as Error).message ?? String(e)}`), { cause: e });
  }
}

/** The models to compare: as named, else every model with `quantize` types. MS6010 for a name not in the project. */
function selectModels(project: Project, names: readonly string[]): ProjectModel[] {
  if (names.length === 0) return project.models.filter((m) => m.quantize.length > 0);
  const known = project.models.map((m) => m.name);
  const problems: Diagnostic[] = [];
  const out: ProjectModel[] = [];
  for (const n of names) {
    const model = project.models.find((m) => m.name === n);
    if (!model) problems.push(error("MS6010", `model \`${n}\` is not in the project`, { hint: didYouMean(n, known) ?? `the project's models: ${known.join(", ")}` }));
    else if (!out.includes(model)) out.push(model);
  }
  if (problems.length) throw new InputError(problems);
  return out;
}
