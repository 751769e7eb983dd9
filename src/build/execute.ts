import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { corruptBlobWarning } from "../store/blob-check.js";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { error } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { parseManifest, serializeManifest, type Layer, type Manifest } from "../store/manifest.js";
import { LAYER_MEDIA_TYPES } from "../store/media-types.js";
import type { Store } from "../store/store.js";
import { sha256Digest } from "../store/digest.js";
import { assembleManifest } from "./assemble.js";
import { modelFileProblems } from "../gguf/model-check.js";
import { limiter } from "./limiter.js";
import type { Progress } from "./progress.js";
import type { AssembleStep, BlobInput, ConvertStep, Plan, QuantizeStep, Step } from "./plan.js";
import { readGgufFile } from "../gguf/index.js";
import type { ResolvedOwnLayerDefs } from "./own-layers.js";
import { readStepRecord, writeStepRecord, type StepRecord } from "./step-cache.js";
import type { Claim, RemoteStepCache, StepSource } from "./remote-cache.js";

export type StepOutput = { kind: "quantize" | "convert"; blob: Layer } | { kind: "assemble"; manifest: Manifest; digest: Sha256Digest; model: Layer };

export interface ExecuteOptions {
  store: Store;
  plan: Plan;
  /** Steps run at once (`-j`); default 1. */
  jobs?: number;
  /** Receives step events (progress output); default none. */
  progress?: Progress;
  /** Threads for llama.cpp quantization; 0 (default) uses every hardware thread. */
  threads?: number;
  /** Receives warnings (a corrupt blob found and made again, MS5111); default: dropped. */
  onWarning?: (d: Diagnostic) => void;
  /** The remote build cache (remote-cache.ts): asked when the local step cache misses, told of every step's record. */
  remote?: RemoteStepCache;
  /** Brings a pinned base (by its source) into the store before a step that reads it is computed; default: it is there already. */
  ensurePin?: (source: string) => Promise<void>;
  /** Cancels the run (BuildOptions.signal): no step starts after it, a running one stops, no manifest is written. */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  outputs: Map<string, StepOutput>;
  /** Steps that did work (not answered from the step cache). */
  ran: string[];
  /** Where each step's result came from, by step id. */
  sources: Map<string, StepSource>;
}

/**
 * Runs a plan's steps: each starts once its dependencies are done, at most
 * `jobs` at a time. Pinned blobs must already be in the store. A step whose
 * key has a record in the step cache (step-cache.ts) and whose blobs are still
 * in the store and intact is not run again: a no-op rebuild quantizes nothing
 * and hashes nothing. "Intact" is Store.checkBlob: each blob's size, and its
 * content only when its stat moved since it was last known good; a corrupt
 * blob is removed (warning MS5111) and the step runs again to make it.
 * Manifests are written under the store lock (Store.writeManifest).
 * The first failure stops the build: steps not yet started are not started.
 */
export async function executePlan(opts: ExecuteOptions): Promise<ExecuteResult> {
  const { store, plan } = opts;
  const progress = opts.progress;
  const limit = limiter(opts.jobs ?? 1);
  const outputs = new Map<string, StepOutput>();
  const intact = async (digest: Sha256Digest, size: number): Promise<boolean> => {
    const c = await store.checkBlob(digest, size);
    if (c.status === "corrupt") opts.onWarning?.(corruptBlobWarning(digest, c, store.blobPath(digest)));
    return c.status === "ok";
  };
  const allBlobs = async (m: Manifest): Promise<boolean> => {
    for (const l of [m.config, ...m.layers]) if (!(await intact(l.digest, l.size))) return false;
    return true;
  };
  const ran: string[] = [];
  const sources = new Map<string, StepSource>();
  const remote = opts.remote;
  /** The local record of a step, else the remote cache's (then recorded locally), else a claim to compute it. */
  const lookup = async (step: Step, local: StepRecord | undefined, usable: (r: StepRecord) => Promise<boolean>): Promise<{ record?: StepRecord; source?: StepSource; claim?: Claim; busy?: true }> => {
    if (local && (await usable(local))) return { record: local, source: "local" };
    if (!remote) return {};
    const r = await remote.fetch(step);
    if (r.busy) return { busy: true };
    if (r.record && (await usable(r.record))) {
      await writeStepRecord(store, step.key, r.record);
      return { record: r.record, source: "remote" };
    }
    return r.claim ? { claim: r.claim } : {};
  };
  const running = new Map<string, Promise<void>>();
  let failed = false;

  // A base's GGUF is checked once, before llama.cpp (quantize, and later run) reads it: a hyperparameter it asserts on would abort the process.
  const loadable = new Map<string, Promise<void>>();
  const requireLoadable = (input: BlobInput, model: string): Promise<void> => {
    if (input.kind !== "pin") return Promise.resolve();
    const key = `${model}\0${input.digest}`;
    let p = loadable.get(key);
    if (!p) {
      const at = plan.steps.find((s): s is AssembleStep => s.kind === "assemble" && s.model === model)?.at ?? {};
      p = (opts.ensurePin?.(input.source) ?? Promise.resolve()).then(() => modelFileProblems(store.blobPath(input.digest), `the base model of ${model}`, at)).then((problems) => {
        if (problems.length) throw new InputError(problems);
      });
      loadable.set(key, p);
    }
    return p;
  };

  const modelLayerOf = (input: BlobInput): Layer => {
    if (input.kind === "pin") return { mediaType: LAYER_MEDIA_TYPES.model, digest: input.digest, size: input.size };
    const out = outputs.get(input.step)!;
    return out.kind === "assemble" ? out.model : out.blob;
  };

  const startedAt = new Map<string, number>();
  /** Runs a step; "busy" when another runner holds the claim on its key (nothing done: try again later). */
  const run = async (step: Step): Promise<"busy" | void> => {
    if (failed) return;
    opts.signal?.throwIfAborted();
    if (!startedAt.has(step.id)) {
      startedAt.set(step.id, Date.now());
      progress?.event({ kind: "start", step });
    }
    const started = startedAt.get(step.id)!;
    let source: StepSource | "busy";
    try {
      source = step.kind === "convert" ? await runConvert(step) : step.kind === "quantize" ? await runQuantize(step) : await runAssemble(step);
    } catch (err) {
      progress?.event({ kind: "failed", step, error: err });
      throw err;
    }
    if (source === "busy") return "busy";
    if (source === "computed") ran.push(step.id);
    sources.set(step.id, source);
    progress?.event({ kind: "done", step, cached: source !== "computed", source, ms: Date.now() - started });
  };

  /**
   * A step whose output is one model blob (convert, quantize): its record,
   * local or from the remote cache, when the blob is intact; else `produce`
   * writes it to a temp file under the store's tmp/, which is stored, recorded
   * and offered to the remote cache (with the claim the lookup took, released
   * on failure).
   */
  const runBlobStep = async (step: ConvertStep | QuantizeStep, produce: (tmp: string) => Promise<{ digest: string; size: number } | void>): Promise<StepSource | "busy"> => {
    const kind = step.kind;
    const found = await lookup(step, await readStepRecord(store, step.key), async (r) => r.kind === kind && (await intact(r.digest, r.size)));
    if (found.busy) return "busy";
    const rec = found.record;
    if (rec?.kind === kind) {
      outputs.set(step.id, { kind, blob: { mediaType: LAYER_MEDIA_TYPES.model, digest: rec.digest, size: rec.size } });
      if (found.source === "local") await remote?.save(step, rec);
      return found.source!;
    }
    await mkdir(store.layout.tmpDir, { recursive: true });
    const tmp = path.join(store.layout.tmpDir, `${kind}-${process.pid}-${randomBytes(6).toString("hex")}.gguf`);
    try {
      const written = await produce(tmp);
      const { digest, size } = await store.ingestFile(tmp, { methods: ["hardlink", "copy"], consume: true, ...(written ? { writtenDigest: written } : {}) });
      const record: StepRecord = { kind, digest, size };
      await writeStepRecord(store, step.key, record);
      outputs.set(step.id, { kind, blob: { mediaType: LAYER_MEDIA_TYPES.model, digest, size } });
      await remote?.save(step, record, found.claim);
    } catch (err) {
      await found.claim?.release();
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
    return "computed";
  };

  /** A PEFT adapter folder, converted for the GGUF of its base (read from the store: a pinned blob or the base's convert step). */
  const runConvertLora = (step: ConvertStep, lora: NonNullable<ConvertStep["lora"]>): Promise<StepSource | "busy"> =>
    runBlobStep(step, async (tmp) => {
      if (lora.base.kind === "pin") await opts.ensurePin?.(lora.base.source);
      const base = await readGgufFile(store.blobPath(modelLayerOf(lora.base).digest));
      const { convertPeftAdapter, loraBaseOf } = await import("../convert/lora.js");
      await convertPeftAdapter({ dir: step.dir, shown: lora.shown, at: lora.at, base: loraBaseOf(base, lora.shown, lora.at), outPath: tmp, outType: step.outType });
    });

  /** The own layers with each PEFT adapter's convert step replaced by the blob it made. */
  const resolveOwn = (own: AssembleStep["own"]): ResolvedOwnLayerDefs => ({
    ...own,
    adapters: own.adapters.map((a) => {
      if (!("convert" in a)) return a;
      const made = plan.steps.find((s) => s.kind === "convert" && s.key === a.convert && outputs.has(s.id));
      const out = made ? outputs.get(made.id) : undefined;
      if (out?.kind !== "convert") throw new Error(`adapter convert step ${a.convert} has no output`);
      return { digest: out.blob.digest, size: out.blob.size };
    }),
  });

  /** Joins a split GGUF set into one GGUF (src/gguf/split.ts), read and checked afresh: the parts' digests are the key. */
  const runJoinSplit = (step: ConvertStep, split: NonNullable<ConvertStep["split"]>): Promise<StepSource | "busy"> =>
    runBlobStep(step, async (tmp) => {
      const { mergeSplitGguf, readSplitSet } = await import("../gguf/split.js");
      const set = await readSplitSet(split.parts[0]!, await readGgufFile(split.parts[0]!), split.shown, split.at);
      const written = await mergeSplitGguf(set, tmp, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(progress ? { onProgress: (done: number, total: number) => progress.event({ kind: "progress", step, done, total }) } : {}),
      });
      const problems = await modelFileProblems(tmp, split.shown, split.at);
      if (problems.length) throw new InputError(problems);
      return { digest: `sha256:${written.sha256}`, size: written.size };
    });

  const runConvert = (step: ConvertStep): Promise<StepSource | "busy"> =>
    step.split ? runJoinSplit(step, step.split) : step.lora ? runConvertLora(step, step.lora) : runBlobStep(step, (tmp) =>
      import("../convert/convert.js").then(({ convertCheckpoint }) => convertCheckpoint({
        dir: step.dir,
        outPath: tmp,
        outType: step.outType,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(progress ? { onProgress: (done: number, total: number) => progress.event({ kind: "progress", step, done, total }) } : {}),
      })).then((r) => ({ digest: r.digest, size: r.size })), // hashed as written: the store does not read the 2 GB again
    );

  const runQuantize = (step: QuantizeStep): Promise<StepSource | "busy"> =>
    runBlobStep(step, async (tmp) => {
      await requireLoadable(step.input, step.model);
      // Imported when a step is computed: llama.cpp's loader (koffi) and the converter cost a build answered from a cache its start-up.
      const { quantize } = await import("../quantize/quantize.js");
      await quantize({
        input: store.blobPath(modelLayerOf(step.input).digest),
        output: tmp,
        type: step.type,
        threads: opts.threads ?? 0,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(progress ? { onProgress: (p: { tensorsDone: number; tensorsTotal: number }) => progress.event({ kind: "progress", step, done: p.tensorsDone, total: p.tensorsTotal }) } : {}),
      });
    });

  const runAssemble = async (step: AssembleStep): Promise<StepSource> => {
    const model = modelLayerOf(step.modelLayer);
    const found = await lookup(step, await readStepRecord(store, step.key), async (r) => r.kind === "assemble" && (await allBlobs(parseManifest(r.manifest))));
    const rec = found.record;
    if (rec?.kind === "assemble") {
      const manifest = parseManifest(rec.manifest);
      // One lock for every name of the step, as a computed step writes them.
      await store.withLock(async () => {
        for (const name of step.names) {
          const have = await store.readManifest(name).catch(() => undefined);
          if (have?.digest !== rec.digest) await store.writeManifestBytes(name, rec.manifest);
        }
      });
      outputs.set(step.id, { kind: "assemble", manifest, digest: rec.digest, model });
      if (found.source === "local") await remote?.save(step, rec);
      return found.source!;
    }
    await requireLoadable(step.modelLayer, step.model);
    const baseOut = step.base ? outputs.get(step.base.step) : undefined;
    if (step.base?.digest && baseOut?.kind === "assemble" && baseOut.digest !== step.base.digest) {
      throw new InputError(error("MS5205", `${step.base.from} is pinned to ${step.base.digest}, but its build has manifest digest ${baseOut.digest}`, { ...step.at, hint: "pin the new digest, or build the model the pin names" }));
    }
    const manifest = await assembleManifest(store, {
      model,
      own: resolveOwn(step.own),
      ...(step.base && baseOut?.kind === "assemble" ? { base: { layers: baseOut.manifest.layers, from: step.base.from } } : step.inherit ? { base: step.inherit } : {}),
    });
    const bytes = serializeManifest(manifest);
    const digest = sha256Digest(bytes);
    await store.withLock(async () => {
      opts.signal?.throwIfAborted();
      for (const name of step.names) await store.writeManifestBytes(name, bytes);
    });
    await writeStepRecord(store, step.key, { kind: "assemble", manifest: bytes, digest });
    outputs.set(step.id, { kind: "assemble", manifest, digest, model });
    await remote?.save(step, { kind: "assemble", manifest: bytes, digest });
    return "computed";
  };

  // The steps of this runner under each key, one after the other (docs/decisions.md, "One runner computes a key once").
  const byKey = new Map<Sha256Digest, Promise<void>>();
  for (const step of plan.steps) {
    const deps = step.deps.map((d) => running.get(d)!);
    // A step whose key another runner is computing gives its slot up: it waits (backoff, outside the limiter, so
    // this runner works on other steps meanwhile) and queues again behind them (docs/decisions.md, "Fleet: work around claims").
    const attempt = async (): Promise<void> => {
      // Two steps of this plan with one key (two models quantizing the same base to the same type) would both claim it
      // (a claim names the runner, not the step) and compute it: the later one waits, outside the limiter, for the
      // earlier one to finish, then finds its record in the local step cache.
      const earlier = byKey.get(step.key);
      const mine = (earlier ?? Promise.resolve()).catch(() => {}).then(() => retrying());
      byKey.set(step.key, mine.catch(() => {}));
      return mine;
    };
    const retrying = async (): Promise<void> => {
      for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
        const r = await limit(() =>
          run(step).catch((err: unknown) => {
            failed = true;
            throw err;
          }),
        );
        if (r !== "busy") return;
        await sleep(wait);
      }
    };
    const p = Promise.all(deps).then(attempt);
    p.catch(() => {});
    running.set(step.id, p);
  }
  const settled = await Promise.allSettled(running.values());
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  return { outputs, ran, sources };
}
