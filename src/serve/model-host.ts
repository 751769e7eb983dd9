import { statSync } from "node:fs";
import { InputError, ModelsmithError } from "../diagnostics/index.js";
import type { RuntimeModel } from "../runtime/index.js";
import { displayShortest, formatModelName, parseModelName, Store } from "../store/index.js";
import { HttpError } from "./http.js";
import { MAX_TIMER_MS } from "./keep-alive.js";
import type { MemoryBudget } from "./memory-budget.js";

/** Opens a stored model for serving: the runtime's `openModel` fits. */
export type OpenServedModel = (storeRoot: string, name: string, options: { parallel: number; contextSize?: number }) => Promise<RuntimeModel>;

/** Ollama's default keep_alive: a model stays loaded five minutes after its last request. */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

interface Entry {
  /** The pool key: the manifest digest and the load settings (num_ctx), never the name's spelling. */
  key: string;
  /** The full name of the first request that loaded it (what `/api/ps` shows). */
  name: string;
  /** The manifest digest the model was loaded from. */
  digest: string;
  /** The request's num_ctx it was loaded with (undefined: the Modelfile's, else the default). */
  numCtx: number | undefined;
  /** Replaced by a newer build, another num_ctx, or evicted: closed once its last request is done. */
  retired?: boolean;
  model: Promise<RuntimeModel>;
  /** The memory the load takes, as the budget estimates it (0 without a budget). */
  bytes: number;
  active: number;
  lastUsed: number;
  keepAliveMs: number;
  timer?: NodeJS.Timeout;
}

/** A model lent to one request; `release` once the request is done. */
export interface Lease {
  model: RuntimeModel;
  /** `keepAliveMs` (see keepAliveMs in keep-alive.ts) replaces the one given to acquire. */
  release(keepAliveMs?: number): void;
}

/**
 * When a model kept forever (keep_alive < 0) "expires", from now: Ollama's
 * math.MaxInt64 nanoseconds (about 292 years), so `expires_at` is a date Go
 * clients parse (RFC 3339, a four-digit year) and `ollama ps` shows as Forever.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L1253-L1265
 */
export const FOREVER_MS = 9_223_372_036_854;

export interface LoadedInfo {
  name: string;
  model: RuntimeModel;
  expiresAt: Date;
}

/** How many models, and how many waiting requests, a server holds (Ollama's OLLAMA_MAX_LOADED_MODELS and OLLAMA_MAX_QUEUE). */
export interface PoolLimits {
  /** Models loaded at once; the least recently used idle one is unloaded for a new one (default 3). */
  maxLoaded: number;
  /** Requests waiting (for a load, or for a sequence of a busy model) before a 503 (default 512). */
  maxQueue: number;
  /** The memory loaded models may take (memory-budget.ts); none: no limit but maxLoaded. */
  budget?: MemoryBudget;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxLoaded: 3, maxQueue: 512 };

/** Ollama's ErrMaxQueue, word for word (server/sched.go), answered with 503. */
export const MAX_QUEUE_MESSAGE = "server busy, please try again.  maximum pending requests exceeded";

/**
 * The models a server has loaded, keyed by manifest digest and num_ctx (not by
 * the spelling of the name: `oRacle`, `oracle:latest` and a copy with the same
 * digest share one load): loaded on first use (one load however many requests
 * wait for it), shared by concurrent requests (each generation takes a sequence
 * of the model's context), and unloaded `keep_alive` after their last request
 * (Ollama's rule: default 5 minutes, 0 at once, a negative value never). At most
 * `maxLoaded` at once: a new one unloads the least recently used idle one, or
 * waits for one to become idle, as Ollama's scheduler. A request with another
 * num_ctx than the loaded one reloads the model (Ollama's needsReload). With
 * `only`, other names are 404. Each request reads the model's manifest: a model
 * rebuilt since it was loaded is loaded again for new requests, the old one
 * closed when its last request ends.
 */
export class ModelHost {
  private readonly entries = new Map<string, Entry>();
  /** Per full name: its manifest file's stat and digest when last read (unchanged stat, unchanged digest). */
  private readonly names = new Map<string, { stat: string | undefined; digest: string }>();
  private closed = false;
  /** Requests inside acquire, not yet lent a model. */
  private waiting = 0;
  /** Wakes acquires that wait for a model to become idle. */
  private idleWaiters: Array<() => void> = [];

  private readonly store: Store;
  private readonly limits: PoolLimits;

  constructor(
    private readonly storeRoot: string,
    private readonly open: OpenServedModel,
    private readonly parallel: number,
    private readonly only?: ReadonlySet<string>,
    limits: Partial<PoolLimits> = {},
  ) {
    this.store = new Store(storeRoot, { statCache: false });
    this.limits = { ...DEFAULT_POOL_LIMITS, ...limits };
  }

  /** The full name of `name` as the store writes it; 400 when it is not a model name. */
  static key(name: string): string {
    try {
      return formatModelName(parseModelName(name));
    } catch (err) {
      if (err instanceof ModelsmithError) throw new HttpError(400, `invalid model name ${JSON.stringify(name)}: ${err.diagnostics[0]?.message ?? err.message}`);
      throw err;
    }
  }

  /** Whether `name` may be served at all. */
  serves(name: string): boolean {
    return !this.only || this.only.has(ModelHost.key(name));
  }

  /** Requests waiting: for a load or a free model, or beyond the `parallel` sequences of their model. */
  private pending(): number {
    let n = this.waiting;
    for (const e of this.entries.values()) n += Math.max(0, e.active - this.parallel);
    return n;
  }

  /** The manifest digest `name` stands for now; 404 when the store lacks it. */
  private async digestOf(name: string, key: string): Promise<{ digest: string; previous: string | undefined }> {
    // The manifest file's stat, taken synchronously: the CLI's one libuv thread may be busy with a decode.
    const seen = manifestStat(this.store, key);
    const known = this.names.get(key);
    if (known && seen !== undefined && seen === known.stat) return { digest: known.digest, previous: known.digest };
    let digest: string;
    try {
      digest = (await this.store.readManifest(name)).digest;
    } catch (err) {
      throw notFoundOr(err, name);
    }
    this.names.set(key, { stat: seen, digest });
    return { digest, previous: known?.digest };
  }

  /**
   * Loads `name` (or finds it loaded) and lends it; 404 for a model the store
   * does not have or this server does not serve; 503 (Ollama's ErrMaxQueue) when
   * `maxQueue` requests already wait. `numCtx`: the request's num_ctx option.
   */
  async acquire(name: string, keepAlive?: number, numCtx?: number): Promise<Lease> {
    const nameKey = ModelHost.key(name);
    if (this.closed) throw new HttpError(503, "the server is shutting down");
    if (!this.serves(name)) throw new HttpError(404, `model '${name}' not found: this server serves ${[...this.only!].map((k) => displayShortest(parseModelName(k))).join(", ")}`);
    if (this.pending() >= this.limits.maxQueue) throw new HttpError(503, MAX_QUEUE_MESSAGE);
    this.waiting++;
    let e: Entry;
    try {
      e = await this.entryFor(name, nameKey, numCtx);
    } finally {
      this.waiting--;
    }
    let model: RuntimeModel;
    try {
      model = await e.model;
    } catch (err) {
      e.active--;
      this.wakeIdleWaiters();
      throw notFoundOr(err, name);
    }
    let released = false;
    return {
      model,
      release: (requested?: number) => {
        if (released) return;
        released = true;
        e.active--;
        e.lastUsed = Date.now();
        const ms = requested ?? keepAlive;
        if (ms !== undefined) e.keepAliveMs = ms < 0 || ms > MAX_TIMER_MS ? -1 : ms;
        this.schedule(e);
        this.wakeIdleWaiters();
      },
    };
  }

  /** The pool's entry for `name` with `numCtx` (the loaded one, or a new load once there is room), its request counted. */
  private async entryFor(name: string, nameKey: string, numCtx: number | undefined): Promise<Entry> {
    for (;;) {
      const { digest, previous } = await this.digestOf(name, nameKey);
      if (previous !== undefined && previous !== digest) {
        // Rebuilt since it was loaded (`modelsmith build`, `watch`): new requests get the new build.
        for (const old of [...this.entries.values()]) if (old.digest === previous) this.retire(old);
      }
      const key = `${digest}|${numCtx ?? ""}`;
      const found = this.entries.get(key);
      if (found) return this.take(found);
      // Another num_ctx of the same model: Ollama reloads it (its needsReload), the old load ends with its requests.
      for (const other of [...this.entries.values()]) if (other.digest === digest) this.retire(other);
      const bytes = this.limits.budget ? await this.limits.budget.need(this.store, name, digest) : 0;
      if (this.limits.budget && this.entries.has(key)) continue;
      const used = [...this.entries.values()].reduce((n, x) => n + x.bytes, 0);
      if (this.entries.size >= this.limits.maxLoaded || (this.limits.budget && !this.limits.budget.fits(used, bytes))) {
        const idle = [...this.entries.values()].filter((x) => x.active === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
        if (idle) {
          this.retire(idle);
          // Within the budget, one model unloaded may not be room enough: look again.
          if (this.limits.budget) continue;
        } else {
          // Every loaded model is busy: wait until one is idle, then look again (the model may be loaded by then).
          await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
          if (this.closed) throw new HttpError(503, "the server is shutting down");
          continue;
        }
      }
      const model = this.open(this.storeRoot, name, { parallel: this.parallel, ...(numCtx !== undefined ? { contextSize: numCtx } : {}) });
      const entry: Entry = { key, name: nameKey, digest, numCtx, model, bytes, active: 0, lastUsed: Date.now(), keepAliveMs: DEFAULT_KEEP_ALIVE_MS };
      this.entries.set(key, entry);
      model.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.wakeIdleWaiters();
      });
      // A model in a runner process (runner/runner-model.ts) that dies is forgotten: the next request starts a new runner.
      void model.then((m) => forgetOnExit(m, () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        if (entry.timer) clearTimeout(entry.timer);
        this.wakeIdleWaiters();
      }), () => undefined);
      return this.take(entry);
    }
  }

  /** Counts a request on `e` at once, in the same turn that found it, so no other request's eviction can take it. */
  private take(e: Entry): Entry {
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    e.active++;
    return e;
  }

  private wakeIdleWaiters(): void {
    const go = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of go) resolve();
  }

  /**
   * Ollama's unload request (keep_alive 0 and nothing to generate): the
   * model is unloaded now, or when its last request ends; a model that is
   * not loaded stays so. 404 for a model this server does not serve.
   */
  async unload(name: string): Promise<void> {
    const nameKey = ModelHost.key(name);
    if (!this.serves(name)) throw new HttpError(404, `model '${name}' not found`);
    const { digest } = await this.digestOf(name, nameKey);
    for (const e of this.entries.values()) {
      if (e.digest !== digest) continue;
      e.keepAliveMs = 0;
      if (e.timer) clearTimeout(e.timer);
      e.timer = undefined;
      this.schedule(e);
    }
  }

  /** The loaded models (not those still loading), for `/api/ps`. */
  async loaded(): Promise<LoadedInfo[]> {
    const out: LoadedInfo[] = [];
    for (const e of this.entries.values()) {
      const model = await e.model.catch(() => undefined);
      if (!model) continue;
      const expires = e.keepAliveMs < 0 ? new Date(Date.now() + FOREVER_MS) : new Date((e.active > 0 ? Date.now() : e.lastUsed) + e.keepAliveMs);
      out.push({ name: displayShortest(parseModelName(e.name)), model, expiresAt: expires });
    }
    return out;
  }

  /** Unloads every model; requests still running finish first. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeIdleWaiters();
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map(async (e) => {
        if (e.timer) clearTimeout(e.timer);
        const model = await e.model.catch(() => undefined);
        while (e.active > 0) await new Promise((r) => setTimeout(r, 20));
        await model?.close();
      }),
    );
  }

  private retire(e: Entry): void {
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    e.retired = true;
    if (e.timer) clearTimeout(e.timer);
    this.schedule(e);
  }

  private schedule(e: Entry): void {
    if (e.retired) {
      if (e.active === 0) void e.model.then((m) => m.close()).catch(() => undefined);
      return;
    }
    if (e.active > 0 || e.keepAliveMs < 0) return;
    const unload = () => {
      if (e.active > 0 || this.entries.get(e.key) !== e) return;
      this.entries.delete(e.key);
      void e.model.then((m) => m.close()).catch(() => undefined);
      this.wakeIdleWaiters();
    };
    if (e.keepAliveMs === 0) unload();
    else {
      e.timer = setTimeout(unload, e.keepAliveMs);
      e.timer.unref();
    }
  }
}

/** Calls `forget` when `model`'s process ends, for a model with an `onExit` (a runner's). */
function forgetOnExit(model: RuntimeModel, forget: () => void): void {
  const m = model as RuntimeModel & { onExit?: (fn: () => void) => void };
  if (typeof m.onExit === "function") m.onExit(forget);
}

/** A model the store lacks is 404 (the store's message and did-you-mean); other failures as they are. */
function notFoundOr(err: unknown, name: string): unknown {
  if (err instanceof InputError && err.diagnostics.some((d) => d.code === "MS5102")) {
    const d = err.diagnostics.find((x) => x.code === "MS5102")!;
    return new HttpError(404, `model '${name}' not found${d.hint?.startsWith("did you mean") ? `; ${d.hint}` : ""}`, { cause: err });
  }
  return err;
}

/** "size:mtime:ino" of a model's manifest file, or undefined when it cannot be read. */
function manifestStat(store: Store, key: string): string | undefined {
  try {
    const st = statSync(store.layout.manifestPath(parseModelName(key)), { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ino}`;
  } catch {
    return undefined;
  }
}
