import { existsSync } from "node:fs";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError, ModelsmithError } from "../diagnostics/errors.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { loadProject } from "../project/load.js";
import type { Project } from "../project/project.js";
import { formatReference } from "../resolve/format-reference.js";
import { parseReference } from "../resolve/reference.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { fetchPin, localPath, requireGguf, resolvePin, storedPin, type PinnableReference } from "../resolve/sources/index.js";
import type { Pin, SourceContext } from "../resolve/sources/pin.js";
import { formatModelName, type ModelName } from "../store/name.js";
import { Store } from "../store/store.js";
import { executePlan } from "./execute.js";
import { loadModels, type LoadedModel } from "./load.js";
import { failOnDrift, lockedManifest, makeLock, readLockFile, requireLock, resolvedDrift, writeLockIfChanged, type LockOnDisk } from "./lockfile.js";
import { diffLock } from "../lock/diff.js";
import { planBuild, type AssembleStep, type Plan, type PlanModel, type PlannedVariant } from "./plan.js";
import type { ProgressFactory } from "./progress.js";
import type { ActivityReporter } from "../progress/activity.js";
import { readStepRecord } from "./step-cache.js";
import { chooseCache, RegistryStepCache, type CacheRepo, type CacheSetting, type StepSource } from "./remote-cache.js";
import { noticeChangedFiles } from "./changed-sources.js";
import { checkAdapters } from "./check-adapters.js";
import { checkpointDirOf, materializeCheckpoint } from "../resolve/sources/materialize.js";
import { isCheckpointPin } from "../resolve/checkpoint.js";

export interface BuildOptions {
  /** Project directory (holding modelsmith.yaml). */
  dir: string;
  /** Build only these models (and their dependencies); default all. */
  models?: string[];
  /** Fail (exit 1) when models.lock is missing or stale, or a rebuild differs from it; never write it. */
  frozen?: boolean;
  offline?: boolean;
  /** Steps at once; default 1. */
  jobs?: number;
  /** Store root (resolveStoreRoot). */
  storeRoot: string;
  /** Home directory, for `~/` paths. */
  home: string;
  /** Name diagnostics use for an absolute path. */
  display: (abs: string) => string;
  /** Receives each file's text, for code frames. */
  sources: Map<string, string>;
  /** Progress output of the build steps; default none. */
  progress?: ProgressFactory;
  /**
   * Build this one-model project instead of the one at `dir`, without
   * models.lock (`create`): no lock is read or written, FROM names no project
   * model, and the model is written under `name` alone.
   */
  standalone?: { project: Project; name: ModelName };
  /** Hears of downloads and generated test models as they go; default none. */
  activity?: ActivityReporter;
  /**
   * The remote build cache from the command line or the environment
   * (`--cache-from`, MODELSMITH_CACHE_FROM; …to); each one unset here falls
   * back to `cache:` in modelsmith.yaml. An empty text turns it off.
   */
  cache?: { from?: CacheSetting; to?: CacheSetting };
  /** The environment registry credentials are read from (MODELSMITH_REGISTRY_AUTH, DOCKER_CONFIG); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Cancels the build (serve's `/api/create` when its client hangs up): no
   * step starts after it fires, a running conversion or quantization stops
   * (llama-quantize is killed), its temp file goes, and no manifest is
   * written; the build rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface BuiltVariant {
  model: string;
  tag: string;
  /** Full name in the store, `registry.ollama.ai/library/<model>:<tag>`. */
  name: string;
  inputs: Sha256Digest;
  manifest: Sha256Digest;
}

export interface BuildReport {
  /** The project built. */
  project: Project;
  /** models.lock as diagnostics name it; undefined for a standalone build. */
  lockFile?: string;
  lockWritten: boolean;
  variants: BuiltVariant[];
  /** Steps that did work (the rest came from the step cache). */
  ran: string[];
  /** Every step run, in plan order: where its result came from (computed here, the local step cache, the remote cache). */
  steps: { step: string; kind: "convert" | "quantize" | "assemble"; key: Sha256Digest; source: StepSource }[];
  /** Warnings about the project's files (the build went on). */
  warnings: Diagnostic[];
}

/** Everything resolved, nothing built: the project, its models, their pins and the full plan. */
interface Resolved {
  project: Project;
  models: LoadedModel[];
  warnings: Diagnostic[];
  pins: Map<string, Pin>;
  plan: Plan;
  onDisk: LockOnDisk;
  ctx: Omit<SourceContext, "at">;
  /** The remote build cache's repositories (none: no remote cache). */
  cache: { from?: CacheRepo; to?: CacheRepo };
}

/**
 * `modelsmith build`: resolve, lock, fetch, quantize, assemble. Bad input is
 * found before the store is touched (every problem at once, exit 2).
 */
export async function buildProject(o: BuildOptions): Promise<BuildReport> {
  const r = await resolveProject(o);
  if (o.frozen) failOnDrift(resolvedDrift(r.onDisk, r.pins.values(), r.plan.variants), r.onDisk);
  const only = o.models?.length ? o.models : undefined;
  const plan = only ? planOrThrow(r, only) : r.plan;
  await sayChangedFiles(r);
  const { outputs, ran, sources } = await runPlan(r, plan, o);
  const built = new Map<string, Sha256Digest>();
  for (const v of plan.variants) {
    const out = outputs.get(v.step);
    if (out?.kind === "assemble") built.set(`${v.model}:${v.tag}`, out.digest);
  }
  const lock = makeLock(r.pins.values(), r.plan.variants, (v) => built.get(`${v.model}:${v.tag}`) ?? lockedManifest(r.onDisk.lock, v));
  let lockWritten = false;
  if (o.frozen) failOnDrift(diffLock(requireLock(r.onDisk), lock), r.onDisk);
  else if (!o.standalone) lockWritten = await writeLockIfChanged(r.onDisk, lock);
  return { project: r.project, ...(o.standalone ? {} : { lockFile: r.onDisk.shown }), lockWritten, variants: report(plan, built), ran, steps: plan.steps.map((s) => ({ step: s.id, kind: s.kind, key: s.key, source: sources.get(s.id) ?? "computed" })), warnings: r.warnings };
}

export interface LockOptions extends Omit<BuildOptions, "models" | "frozen"> {
  /** Only compare with models.lock (exit 1 on drift); write nothing. */
  check?: boolean;
  /**
   * Resolve these network references afresh instead of keeping their pins
   * (`lock --update [ref..]`): references as a Modelfile writes them, or
   * aliases; `true`: all of them.
   */
  update?: readonly string[] | true;
}

/**
 * `modelsmith lock`: resolve every reference and write models.lock. A
 * variant's manifest digest comes from the lock (same inputs) or the step
 * cache; only when neither knows it is the variant built, since a manifest
 * digest exists only once its bytes do. `check` compares instead of writing.
 */
export async function lockProject(o: LockOptions): Promise<{ lockFile: string; lockWritten: boolean; built: string[]; warnings: Diagnostic[] }> {
  const r = await resolveProject(o, o.update);
  if (o.check) {
    const built = new Map<PlannedVariant, Sha256Digest>();
    for (const v of r.plan.variants) {
      const m = await cachedManifest(r, v);
      if (m) built.set(v, m);
    }
    failOnDrift(resolvedDrift(r.onDisk, r.pins.values(), r.plan.variants, built), r.onDisk);
    return { lockFile: r.onDisk.shown, lockWritten: false, built: [], warnings: r.warnings };
  }
  const known = new Map<PlannedVariant, Sha256Digest>();
  for (const v of r.plan.variants) {
    const m = lockedManifest(r.onDisk.lock, v) ?? (await cachedManifest(r, v));
    if (m) known.set(v, m);
  }
  let ran: string[] = [];
  await sayChangedFiles(r);
  if (known.size < r.plan.variants.length) {
    const { outputs, ran: did } = await runPlan(r, r.plan, o);
    ran = did;
    for (const v of r.plan.variants) {
      const out = outputs.get(v.step);
      if (out?.kind === "assemble") known.set(v, out.digest);
    }
  }
  const lock = makeLock(r.pins.values(), r.plan.variants, (v) => known.get(v));
  return { lockFile: r.onDisk.shown, lockWritten: await writeLockIfChanged(r.onDisk, lock), built: ran, warnings: r.warnings };
}

/** Warnings MS5210 for local base files that changed since models.lock (changed-sources.ts). */
async function sayChangedFiles(r: Resolved): Promise<void> {
  const files = pinnableRefs(r.models).flatMap(({ ref, at }) => (ref.kind === "file" ? [{ ref, at }] : []));
  r.warnings.push(...(await noticeChangedFiles(files, r.pins, r.onDisk.lock, r.ctx)));
}

async function cachedManifest(r: Resolved, v: PlannedVariant): Promise<Sha256Digest | undefined> {
  const rec = await readStepRecord(r.ctx.store, v.key);
  return rec?.kind === "assemble" ? rec.digest : undefined;
}

/**
 * Fetches the pins the plan reads and runs it. Blobs it relies on are
 * checked first (Store.checkBlob); a corrupt one is removed and made again,
 * with a warning (MS5111) in `r.warnings`.
 */
async function runPlan(r: Resolved, plan: Plan, o: Pick<BuildOptions, "jobs" | "progress" | "env" | "signal">) {
  const warn = (d: Diagnostic) => void r.warnings.push(d);
  const bases = new Set(plan.steps.flatMap((s) => (s.kind === "quantize" ? [s.input] : s.kind === "assemble" ? [s.modelLayer] : [])).flatMap((b) => (b.kind === "pin" ? [b.source] : [])));
  const used = new Set<string>();
  for (const m of r.models) for (const a of [...m.adapters, ...m.projectors]) used.add(formatReference(a.ref));
  // With a remote cache, a base is fetched only when a step that reads it is computed: a runner whose steps are all cached never downloads it.
  const remoteCache = Boolean(r.cache.from || r.cache.to);
  if (!remoteCache) for (const key of bases) used.add(key);
  for (const key of used) {
    const pin = r.pins.get(key);
    if (pin) await fetchPin(pin, { ...r.ctx, at: {}, warn });
  }
  const fetched = new Map<string, Promise<void>>();
  const ensurePin = (source: string): Promise<void> => {
    const pin = r.pins.get(source);
    if (!remoteCache || !pin) return Promise.resolve();
    let p = fetched.get(source);
    if (!p) fetched.set(source, (p = fetchPin(pin, { ...r.ctx, at: {}, warn })));
    return p;
  };
  const planned = new Set(plan.variants.map((v) => v.model));
  const laidOut = await layOutCheckpoints(r, plan, warn);
  try {
    await checkAdapters(r.models.filter((m) => planned.has(m.name)), r.pins, r.ctx.store);
    const progress = o.progress?.(plan.steps);
    try {
      const remote = r.cache.from || r.cache.to ? new RegistryStepCache({ ...r.cache, store: r.ctx.store, home: r.ctx.home, ...(o.env ? { env: o.env } : {}), warn }) : undefined;
      return await executePlan({ store: r.ctx.store, plan, jobs: o.jobs ?? 1, onWarning: warn, ensurePin, ...(progress ? { progress } : {}), ...(remote ? { remote } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    } finally {
      await progress?.close();
    }
  } finally {
    for (const l of laidOut) await l.dispose();
  }
}

/**
 * A Hugging Face repository checkpoint (`FROM hf://org/repo`) whose convert
 * step must run: its files are fetched (resumable, verified; from the store
 * alone under --offline) and laid out at the folder the step reads
 * (checkpointDirOf), removed once the plan is done. A convert step already
 * cached needs neither.
 */
async function layOutCheckpoints(r: Resolved, plan: Plan, warn: (d: Diagnostic) => void) {
  const laid: { dispose(): Promise<void> }[] = [];
  try {
    for (const step of plan.steps) {
      if (step.kind !== "convert") continue;
      const pin = [...r.pins.values()].find((p) => p.files && p.checkpoint?.dir === step.dir);
      if (!pin) continue;
      const rec = await readStepRecord(r.ctx.store, step.key);
      if (rec?.kind === "convert" && (await r.ctx.store.checkBlob(rec.digest, rec.size)).status === "ok") continue;
      if (existsSync(step.dir)) continue; // laid out for another step of the same checkpoint
      await fetchPin(pin, { ...r.ctx, at: {}, warn });
      laid.push(await materializeCheckpoint(r.ctx.store, pin, step.dir));
    }
  } catch (err) {
    for (const l of laid) await l.dispose();
    throw err;
  }
  return laid;
}

/**
 * Loads the project and pins every reference. A network reference (Ollama or
 * OCI registry, Hugging Face, URL) that models.lock pins keeps that pin, as a
 * lock does for Cargo and npm: a build rebuilds what the lock names, whatever
 * the server's tag or branch points at now, and never fetches other weights
 * unasked. Only `update` (`lock --update [ref..]`) resolves those afresh.
 * Under `--offline` the locked blob must be in the store. Local files and
 * test models are always read afresh: their content is the input. An Ollama
 * name the lock does not pin, and that the store holds (pulled, created or
 * built before), is pinned from the stored manifest without the network, as
 * Ollama's create uses a local model first (stored-source.ts); `update`
 * still asks the registry.
 */
async function resolveProject(o: Omit<BuildOptions, "frozen">, update?: readonly string[] | true): Promise<Resolved> {
  const project = o.standalone?.project ?? (await readProject(o));
  checkModelNames(project, o.models ?? []);
  const cache = o.standalone ? {} : chooseCache(o.cache, projectCache(project, o.display));
  const { models, warnings } = await loadModels(project, o.display, o.sources, o.standalone ? { projectModels: [] } : {});
  // The graph's shape (cycles, variants) does not depend on pins: check it before touching the store.
  const placeholder: Pin = { source: "", locator: "", digest: `sha256:${"0".repeat(64)}`, size: 0 };
  planOrThrowWith(project, models, new Map(), () => placeholder);
  const ctx = { store: new Store(o.storeRoot), projectRoot: project.root, home: o.home, offline: Boolean(o.offline), ...(o.activity ? { activity: o.activity } : {}) };
  const refs = pinnableRefs(models);
  const onDisk: LockOnDisk = o.standalone ? { file: "", shown: "" } : await readLockFile(project.root, o.display, o.sources);
  const updating = updateSet(update, project, refs);
  const lockedPin = (ref: PinnableReference, key: string): Pin | undefined =>
    NETWORK_KINDS.has(ref.kind) && !updating(key) && onDisk.lock && Object.hasOwn(onDisk.lock.references, key) ? { source: key, ...onDisk.lock.references[key]! } : undefined;
  // Pins known without the network: the lock's, then a registry name the store holds (Ollama's create: the local model first).
  const known = new Map<string, Pin>();
  for (const { ref } of refs) {
    const key = formatReference(ref);
    const pin = lockedPin(ref, key) ?? (ref.kind === "ollama" && !updating(key) ? await storedPin(ref, ctx.store) : undefined);
    if (pin) known.set(key, pin);
  }
  await precheck(refs, ctx, (ref) => known.has(formatReference(ref)));
  const pins = new Map<string, Pin>();
  for (const { ref, at, base } of refs) {
    const key = formatReference(ref);
    if (pins.has(key)) continue;
    pins.set(key, known.get(key) ?? (await resolvePin(ref, { ...ctx, at, warn: (d) => void warnings.push(d), ...(base ? {} : { notBase: true }) })));
  }
  // A repository checkpoint is converted from a folder laid out in the store's tmp/ when its convert step runs (runPlan).
  for (const pin of pins.values()) {
    if (pin.files && !pin.checkpoint && isCheckpointPin(pin)) pin.checkpoint = { dir: checkpointDirOf(ctx.store, pin), files: pin.files.map((f) => ({ name: f.path, digest: f.digest, size: f.size })) };
  }
  const plan = planOrThrowWith(project, models, pins);
  if (o.standalone) nameStandalone(plan, o.standalone.name);
  return { project, models, warnings, pins, plan, onDisk, ctx, cache };
}

/** `cache:` of modelsmith.yaml as cache settings, with their positions. */
function projectCache(project: Project, display: (abs: string) => string): { from?: CacheSetting; to?: CacheSetting } {
  const one = (which: "from" | "to") => {
    const c = project.cache?.[which];
    return c ? { [which]: { text: c.text, origin: `cache.${which}`, file: display(project.file), range: c.range } } : {};
  };
  return { ...one("from"), ...one("to") };
}

async function readProject(o: Pick<BuildOptions, "dir" | "sources">): Promise<Project> {
  const loaded = await loadProject(o.dir);
  o.sources.set(loaded.file, loaded.text);
  if (!loaded.project) throw new InputError(loaded.diagnostics);
  return loaded.project;
}

/**
 * A standalone build (`create NAME`) writes its one model under `name` only,
 * whatever its quantization: the assemble step's names and tags become that
 * name's, and the plan has one variant. Names are not in any key, so the
 * manifest is the one a project build of the same Modelfile makes.
 */
function nameStandalone(plan: Plan, name: ModelName): void {
  const steps = plan.steps.filter((s): s is AssembleStep => s.kind === "assemble");
  for (const s of steps) {
    s.names = [name];
    s.tags = [name.tag];
  }
  const seen = new Set<string>();
  plan.variants = plan.variants.filter((v) => !seen.has(v.step) && seen.add(v.step)).map((v) => ({ ...v, tag: name.tag }));
}

/**
 * Which canonical references `update` names: all network ones for `true`;
 * else each argument parsed as a FROM line would be (aliases apply). One that
 * names no network reference of the project is InputError MS4156.
 */
function updateSet(update: readonly string[] | true | undefined, project: Project, refs: { ref: PinnableReference }[]): (key: string) => boolean {
  if (update === undefined) return () => false;
  if (update === true) return () => true;
  const used = new Set(refs.filter((r) => NETWORK_KINDS.has(r.ref.kind)).map((r) => formatReference(r.ref)));
  const keys = new Set<string>();
  const problems: Diagnostic[] = [];
  for (const text of update) {
    const parsed = parseReference(text, { aliases: project.aliases, projectModels: project.models.map((m) => m.name) }).reference;
    const key = parsed && parsed.kind !== "project" ? formatReference(parsed) : undefined;
    if (key !== undefined && used.has(key)) keys.add(key);
    else problems.push(error("MS4156", `--update ${text}: no Modelfile of the project uses that network reference`, { hint: used.size > 0 ? (didYouMean(key ?? text, used) ?? `the project's network references: ${[...used].join(", ")}`) : "the project uses no network reference; nothing to update" }));
  }
  if (problems.length) throw new InputError(problems);
  return (key) => keys.has(key);
}

const NETWORK_KINDS: ReadonlySet<PinnableReference["kind"]> = new Set(["ollama", "oci", "hf", "hfrepo", "url"]);

function planOrThrow(r: Resolved, only: string[]): Plan {
  return planOrThrowWith(r.project, r.models, r.pins, undefined, only);
}

function planOrThrowWith(project: Project, models: LoadedModel[], pins: Map<string, Pin>, fallback?: () => Pin, only?: string[]): Plan {
  const input: PlanModel[] = models.map((m) => ({
    ...loraInputs(m, pins),
    name: m.name,
    quantize: m.quantize,
    tags: m.tags,
    // `convert:` as written names the type of the checkpoint's conversion and of the PEFT adapters' (their defaults differ: F16, F32).
    ...(m.convert ? { convert: m.convert, adapterConvert: m.convert } : {}),
    base: m.base.kind === "project" ? { kind: "project", model: m.base.model, ...(m.base.tag ? { tag: m.base.tag } : {}), ...(m.base.digest ? { digest: m.base.digest } : {}) } : { kind: "pin", pin: pins.get(formatReference(m.base)) ?? fallback!() },
    own: {
      ...m.own,
      adapters: m.adapters.map((a) => pins.get(formatReference(a.ref)) ?? fallback!()).map((p) => ({ digest: p.digest, size: p.size })),
      // Only when there is one: the keys of models without a projector stay as they were.
      ...(m.projectors.length ? { projectors: m.projectors.map((a) => pins.get(formatReference(a.ref)) ?? fallback!()).map((p) => ({ digest: p.digest, size: p.size })) } : {}),
    },
    at: m.at,
  }));
  const { plan, diagnostics } = planBuild({ models: input, namespace: project.defaults.namespace, ...(only ? { only } : {}) });
  if (!plan) throw new InputError(diagnostics);
  return plan;
}

/** The model's ADAPTER lines that name PEFT folders, for the plan's adapter convert steps. */
function loraInputs(m: LoadedModel, pins: Map<string, Pin>): Pick<PlanModel, "loras"> {
  const loras: NonNullable<PlanModel["loras"]> = [];
  m.adapters.forEach((a, index) => {
    const pin = pins.get(formatReference(a.ref));
    if (pin?.peft) loras.push({ index, dir: pin.peft.dir, digest: pin.digest, shown: a.text, at: a.at });
  });
  return loras.length ? { loras } : {};
}

function pinnableRefs(models: LoadedModel[]): { ref: PinnableReference; at: LoadedModel["at"]; base?: true }[] {
  const out: { ref: PinnableReference; at: LoadedModel["at"]; base?: true }[] = [];
  for (const m of models) {
    if (m.base.kind !== "project") out.push({ ref: m.base, at: m.at, base: true });
    for (const a of [...m.adapters, ...m.projectors]) out.push({ ref: a.ref, at: a.at });
  }
  return out;
}

/**
 * Checks what can be checked without writing to the store, for every
 * reference at once: local files exist and are GGUF; network sources are
 * refused under --offline unless models.lock pins them (`locked`); otherwise
 * they are resolved once, after this.
 */
async function precheck(refs: { ref: PinnableReference; at: LoadedModel["at"]; base?: true }[], ctx: Omit<SourceContext, "at">, locked: (ref: PinnableReference) => boolean): Promise<void> {
  const problems: Diagnostic[] = [];
  let environment = false;
  for (const { ref, at, base } of refs) {
    try {
      if (ref.kind === "file") {
        await requireGguf(localPath(ref.path, ctx), ref.path, { ...ctx, at }, base ? { orCheckpoint: true } : { orPeft: true });
      } else if (ref.kind !== "testmodel" && ctx.offline && !locked(ref)) await resolvePin(ref, { ...ctx, at }); // refused: MS5203
    } catch (err) {
      if (!(err instanceof ModelsmithError)) throw err;
      problems.push(...err.diagnostics);
      if (err instanceof EnvironmentError) environment = true;
    }
  }
  if (problems.length) throw environment && problems.every((d) => d.code.startsWith("MS52")) ? new EnvironmentError(problems) : new InputError(problems);
}

function checkModelNames(project: Project, names: string[]): void {
  const known = project.models.map((m) => m.name);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length) {
    throw new InputError(bad.map((n) => error("MS5208", `\`${n}\` is not a model of this project`, { hint: didYouMean(n, known) ?? `its models: ${known.join(", ")}` })));
  }
}

function report(plan: Plan, built: Map<string, Sha256Digest>): BuiltVariant[] {
  return plan.variants.flatMap((v) => {
    const manifest = built.get(`${v.model}:${v.tag}`);
    const step = plan.steps.find((s): s is AssembleStep => s.kind === "assemble" && s.id === v.step);
    const name = step?.names[step.tags.indexOf(v.tag)];
    if (!manifest || !name) return [];
    return [{ model: name.model, tag: v.tag, name: formatModelName(name), inputs: v.key, manifest }];
  });
}
