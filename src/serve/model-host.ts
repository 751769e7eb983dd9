import { statSync } from "node:fs";
import { InputError, ModelsmithError } from "../diagnostics/index.js";
import type { RuntimeModel } from "../runtime/index.js";
import { displayShortest, formatModelName, parseModelName, Store } from "../store/index.js";
import { HttpError } from "./http.js";
import { MAX_TIMER_MS } from "./keep-alive.js";

/** Opens a stored model for serving: the runtime's `openModel` fits. */
export type OpenServedModel = (storeRoot: string, name: string, options: { parallel: number }) => Promise<RuntimeModel>;

/** Ollama's default keep_alive: a model stays loaded five minutes after its last request. */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

interface Entry {
  /** Full name, `registry.ollama.ai/library/m:latest`. */
  key: string;
  /** The manifest digest the model was loaded from. */
  digest: string;
  /** Its manifest file's size, mtime and inode then: unchanged, the digest is too. */
  manifestStat: string | undefined;
  /** Replaced by a newer build: closed once its last request is done. */
  retired?: boolean;
  model: Promise<RuntimeModel>;
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

export interface LoadedInfo {
  name: string;
  model: RuntimeModel;
  expiresAt: Date;
}

/**
 * The models a server has loaded, by full name: loaded on first use (one load
 * per model however many requests wait for it), shared by concurrent requests
 * (each generation takes a sequence of the model's context), and unloaded
 * `keep_alive` after their last request (Ollama's rule: default 5 minutes, 0
 * at once, a negative value never). With `only`, other names are 404. Each
 * request reads the model's manifest: a model rebuilt since it was loaded is
 * loaded again for new requests, the old one closed when its last request ends.
 */
export class ModelHost {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  private readonly store: Store;

  constructor(
    private readonly storeRoot: string,
    private readonly open: OpenServedModel,
    private readonly parallel: number,
    private readonly only?: ReadonlySet<string>,
  ) {
    this.store = new Store(storeRoot, { statCache: false });
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

  /** Loads `name` (or finds it loaded) and lends it; 404 for a model the store does not have or this server does not serve. */
  async acquire(name: string, keepAlive?: number): Promise<Lease> {
    const key = ModelHost.key(name);
    if (this.closed) throw new HttpError(503, "the server is shutting down");
    if (!this.serves(name)) throw new HttpError(404, `model "${name}" not found: this server serves ${[...this.only!].map((k) => displayShortest(parseModelName(k))).join(", ")}`);
    let entry = this.entries.get(key);
    // The manifest file's stat, taken synchronously: the CLI's one libuv thread may be busy with a decode.
    const seen = manifestStat(this.store, key);
    let digest: string;
    if (entry && seen !== undefined && seen === entry.manifestStat) digest = entry.digest;
    else {
      try {
        digest = (await this.store.readManifest(name)).digest;
      } catch (err) {
        throw notFoundOr(err, name);
      }
    }
    if (entry && entry.digest === digest) entry.manifestStat = seen;
    if (entry && entry.digest !== digest) {
      // Rebuilt since it was loaded (`modelsmith build`, `watch`): new requests get the new build.
      this.retire(entry);
      entry = undefined;
    }
    if (!entry) {
      const model = this.open(this.storeRoot, name, { parallel: this.parallel });
      entry = { key, digest, manifestStat: seen, model, active: 0, lastUsed: Date.now(), keepAliveMs: DEFAULT_KEEP_ALIVE_MS };
      this.entries.set(key, entry);
      model.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    const e = entry;
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    e.active++;
    let model: RuntimeModel;
    try {
      model = await e.model;
    } catch (err) {
      e.active--;
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
      },
    };
  }

  /**
   * Ollama's unload request (keep_alive 0 and nothing to generate): the
   * model is unloaded now, or when its last request ends; a model that is
   * not loaded stays so. 404 for a model this server does not serve.
   */
  async unload(name: string): Promise<void> {
    const key = ModelHost.key(name);
    if (!this.serves(name)) throw new HttpError(404, `model "${name}" not found`);
    try {
      await this.store.readManifest(name);
    } catch (err) {
      throw notFoundOr(err, name);
    }
    const e = this.entries.get(key);
    if (!e) return;
    e.keepAliveMs = 0;
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    this.schedule(e);
  }

  /** The loaded models (not those still loading), for `/api/ps`. */
  async loaded(): Promise<LoadedInfo[]> {
    const out: LoadedInfo[] = [];
    for (const e of this.entries.values()) {
      const model = await e.model.catch(() => undefined);
      if (!model) continue;
      const expires = e.keepAliveMs < 0 ? new Date(8.64e15) : new Date((e.active > 0 ? Date.now() : e.lastUsed) + e.keepAliveMs);
      out.push({ name: displayShortest(parseModelName(e.key)), model, expiresAt: expires });
    }
    return out;
  }

  /** Unloads every model; requests still running finish first. */
  async close(): Promise<void> {
    this.closed = true;
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
    this.entries.delete(e.key);
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
    };
    if (e.keepAliveMs === 0) unload();
    else {
      e.timer = setTimeout(unload, e.keepAliveMs);
      e.timer.unref();
    }
  }
}

/** A model the store lacks is 404 (the store's message and did-you-mean); other failures as they are. */
function notFoundOr(err: unknown, name: string): unknown {
  if (err instanceof InputError && err.diagnostics.some((d) => d.code === "MS5102")) {
    const d = err.diagnostics.find((x) => x.code === "MS5102")!;
    return new HttpError(404, `model "${name}" not found${d.hint?.startsWith("did you mean") ? `; ${d.hint}` : ""}`, { cause: err });
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
