import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { error, warning, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { InputError, ModelsmithError } from "../diagnostics/errors.js";
import { RegistryClient } from "../registry/client.js";
import { downloadBlob } from "../registry/download.js";
import { fetchManifest, MAX_MANIFEST_BYTES } from "../registry/manifest-fetch.js";
import { rememberBlob } from "../registry/blob-locations.js";
import { pushBlobs, pushBytes } from "../registry/upload.js";
import { parseReference } from "../resolve/reference.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import { manifestBlobs, parseManifest } from "../store/manifest.js";
import { LAYER_MEDIA_TYPES, OCI_MANIFEST_MEDIA_TYPE } from "../store/media-types.js";
import type { Store } from "../store/store.js";
import { BUILD_FORMAT, type Step } from "./plan.js";
import type { StepRecord } from "./step-cache.js";

/**
 * The remote build cache: step results kept in an OCI registry repository,
 * so that runners with separate stores share them (docs/decisions.md,
 * "Remote build cache"). One entry per step key, under the tag
 * `ms-step-<key hex>`: an OCI image manifest whose config blob
 * (`application/vnd.modelsmith.build-cache.v1+json`) holds the step key, its
 * kind and its record (step-cache.ts), and whose layers are every blob the
 * record names: the quantized model, or an assembled manifest's config and
 * layers. A quantize step being computed is announced under
 * `ms-step-<key hex>-claim` (a lease), so that runners building at once
 * compute each key once.
 */

/** Where a step came from: computed here, the local step cache, or the remote cache. */
export type StepSource = "computed" | "local" | "remote";

/** A claim on a step this runner computes: renewed until released. */
export interface Claim {
  release(): Promise<void>;
}

/** What the executor asks of a remote cache; it never throws (problems are warnings). */
export interface RemoteStepCache {
  /**
   * The step's record, its blobs fetched into the store and verified; or
   * nothing (compute it), with a claim when this runner should; or `busy`:
   * another runner holds a live claim on it (work on other steps, ask again later).
   */
  fetch(step: Step): Promise<{ record?: StepRecord; claim?: Claim; busy?: true }>;
  /** Stores a step's record (and releases the claim): skipped when the entry is there, or no cache is written. */
  save(step: Step, record: StepRecord, claim?: Claim): Promise<void>;
}

export interface CacheRepo {
  host: string;
  repository: string;
  /** As written, `oci://host/repository`. */
  text: string;
}

/** A cache setting and where it came from: `--cache-from`, MODELSMITH_CACHE_FROM, or modelsmith.yaml (with its position). */
export interface CacheSetting {
  text: string;
  origin: string;
  file?: string;
  range?: SourceRange;
}

/**
 * Reads `oci://host[:port]/repository`; anything else (another scheme, a
 * tag, a digest) is InputError MS5703 at `at`.
 */
export function parseCacheRepo(s: CacheSetting): CacheRepo {
  const at = { ...(s.file ? { file: s.file } : {}), ...(s.range ? { range: s.range } : {}) };
  const bad = (why: string) =>
    new InputError(error("MS5703", `${s.origin} ${JSON.stringify(s.text)}: ${why}`, { ...at, hint: "write oci://host[:port]/repository, e.g. oci://registry.example.com/team/model-cache" }));
  if (!s.text.startsWith("oci://")) throw bad("a build cache is an OCI registry repository (oci://…)");
  const parsed = parseReference(s.text);
  const ref = parsed.reference;
  if (!ref || ref.kind !== "oci" || parsed.diagnostics.some((d) => d.severity === "error")) throw bad(parsed.diagnostics[0]?.message ?? "not a registry repository");
  const path = s.text.slice("oci://".length).split("/").slice(1).join("/");
  if (path.includes(":") || path.includes("@")) throw bad("a cache repository takes no tag or digest: each step's entry gets its own tag");
  return { host: ref.host, repository: ref.repository, text: `oci://${ref.host}/${ref.repository}` };
}

/** The tag of a step's entry: `ms-step-` and the key's 64 hex digits (a valid tag: at most 128 characters of [A-Za-z0-9_.-]). */
export function entryTag(key: Sha256Digest): string {
  return `ms-step-${key.slice("sha256:".length)}`;
}

export const CACHE_CONFIG_MEDIA_TYPE = "application/vnd.modelsmith.build-cache.v1+json";
export const CLAIM_CONFIG_MEDIA_TYPE = "application/vnd.modelsmith.build-cache.claim.v1+json";

interface EntryConfig {
  modelsmith: "build-cache";
  buildFormat: number;
  key: Sha256Digest;
  record: StepRecord;
}

interface ClaimConfig {
  modelsmith: "build-cache-claim";
  key: Sha256Digest;
  runner: string;
  /** Epoch milliseconds the claim holds until (renewed while the step runs). */
  until: number;
}

export interface RegistryCacheOptions {
  from?: CacheRepo;
  to?: CacheRepo;
  store: Store;
  home: string;
  env?: NodeJS.ProcessEnv;
  warn: (d: Diagnostic) => void;
}

/** Seconds from the environment (MODELSMITH_CACHE_LEASE, MODELSMITH_CACHE_SETTLE), else `fallback`. */
function seconds(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * The remote cache over one or two repositories (`from` is read, `to` is
 * read and written). Every problem is a warning, once per repository and
 * role, after which that repository is left alone for the rest of the build:
 * unreachable, timed out or refused (MS5700 reading, MS5702 writing); an
 * entry whose bytes do not verify is MS5701 and that step is computed.
 */
export class RegistryStepCache implements RemoteStepCache {
  private readonly runner = randomUUID();
  private readonly off = new Set<string>();
  private readonly clients = new Map<string, RegistryClient>();
  private readonly leaseMs: number;
  private readonly settleMs: number;
  /** Entries that did not verify, by `repo key`: the blobs found damaged (none when the entry itself was wrong). `save` repairs them. */
  private readonly damaged = new Map<string, Sha256Digest[]>();

  constructor(private readonly o: RegistryCacheOptions) {
    const env = o.env ?? process.env;
    this.leaseMs = seconds(env.MODELSMITH_CACHE_LEASE, 60) * 1000;
    this.settleMs = seconds(env.MODELSMITH_CACHE_SETTLE, 0.5) * 1000;
  }

  private client(repo: CacheRepo): RegistryClient {
    let c = this.clients.get(repo.text);
    if (!c) this.clients.set(repo.text, (c = new RegistryClient(repo.host, repo.repository, { home: this.o.home, ...(this.o.env ? { env: this.o.env } : {}) })));
    return c;
  }

  private readers(): CacheRepo[] {
    const out = [this.o.from, this.o.to].filter((r): r is CacheRepo => r !== undefined && !this.off.has(`read ${r.text}`));
    return out.filter((r, i) => out.findIndex((x) => x.text === r.text) === i);
  }

  /** Runs `fn` against `repo`; an environment problem turns the repository off for `role` with one warning. */
  private async guard<T>(repo: CacheRepo, role: "read" | "write", fn: () => Promise<T>): Promise<T | undefined> {
    if (this.off.has(`${role} ${repo.text}`)) return undefined;
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5611")) {
        // An unknown repository: an empty cache (read), or one the first write makes.
        if (role === "read" && this.o.to?.text !== repo.text && err.diagnostics.some((d) => d.message.includes("NAME_UNKNOWN"))) {
          this.disable(repo, role, `the remote build cache ${repo.text} does not exist (yet)`, "build --cache-to it once to fill it");
        }
        return undefined;
      }
      const why = err instanceof ModelsmithError ? err.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ") : (err as Error).message;
      this.disable(repo, role, `${role === "read" ? "cannot read" : "cannot write"} the remote build cache ${repo.text}: ${why}`, "the build goes on without it (steps are computed here)");
      return undefined;
    }
  }

  private disable(repo: CacheRepo, role: "read" | "write", message: string, hint: string): void {
    this.off.add(`${role} ${repo.text}`);
    if (role === "write") this.off.add(`claim ${repo.text}`);
    this.o.warn(warning(role === "read" ? "MS5700" : "MS5702", message, { hint }));
  }

  async fetch(step: Step): Promise<{ record?: StepRecord; claim?: Claim; busy?: true }> {
    const to = this.o.to;
    for (;;) {
      for (const repo of this.readers()) {
        const rec = await this.lookup(repo, step);
        if (rec) return { record: rec };
      }
      // Only quantize steps are worth a claim: assembling is cheap.
      if (step.kind !== "quantize" || !to || this.off.has(`claim ${to.text}`)) return {};
      const claimed = await this.guard(to, "write", async (): Promise<"mine" | "wait" | "retry"> => {
        const foreign = async () => {
          const held = await this.readClaim(to, step.key);
          return held !== undefined && held.runner !== this.runner && held.until > Date.now();
        };
        if (await foreign()) return "wait";
        const put = await this.prepareClaim(to, step.key, Date.now() + this.leaseMs);
        // Looked at again just before the PUT: a runner that claimed meanwhile is not overwritten.
        if (await foreign()) return "wait";
        await put();
        // Two runners may claim at once: each reads back after a pause, and the last write wins.
        await sleep(this.settleMs);
        return (await this.readClaim(to, step.key))?.runner === this.runner ? "mine" : "retry";
      });
      if (claimed === undefined) return {};
      // Claimed by another runner: the executor works on other steps and asks again (execute.ts, backoff).
      if (claimed === "wait") return { busy: true };
      if (claimed === "retry") continue;
      // Won: one more look (the holder before us may have just finished), then compute.
      for (const repo of this.readers()) {
        const rec = await this.lookup(repo, step);
        if (rec) {
          await this.guard(to, "write", () => this.writeClaim(to, step.key, 0));
          return { record: rec };
        }
      }
      return { claim: this.holdClaim(to, step.key) };
    }
  }

  async save(step: Step, record: StepRecord, claim?: Claim): Promise<void> {
    const to = this.o.to;
    try {
      if (!to) return;
      await this.guard(to, "write", async () => {
        const client = this.client(to);
        const tag = entryTag(step.key);
        // An entry this runner found damaged is written again, whatever the registry says it has (docs/decisions.md, "Repairing a damaged cache entry").
        const damaged = this.damaged.get(`${to.text} ${step.key}`);
        if (!damaged) {
          const head = await client.request(client.url(`manifests/${tag}`), { method: "HEAD", what: `cache entry ${tag}`, ok: [200, 404], headers: { Accept: OCI_MANIFEST_MEDIA_TYPE } });
          await head.body?.cancel();
          if (head.status === 200) return;
        }
        const blobs = entryBlobs(record);
        const config: EntryConfig = { modelsmith: "build-cache", buildFormat: BUILD_FORMAT, key: step.key, record };
        const configBytes = Buffer.from(JSON.stringify(config));
        const configDigest = sha256(configBytes);
        await pushBytes(client, configBytes, configDigest);
        await pushBlobs(client, blobs.filter((b) => !damaged?.includes(b.digest)), { store: this.o.store });
        if (damaged?.length) {
          await pushBlobs(client, blobs.filter((b) => damaged.includes(b.digest)), { store: this.o.store, force: true });
          // A registry may keep the bytes it has under a digest (Distribution does: blobwriter.go moveBlob); read them back.
          for (const d of damaged) {
            const b = blobs.find((x) => x.digest === d);
            if (b && (await remoteDigest(client, d)) !== d) {
              this.o.warn(warning("MS5800", `cannot repair the remote cache entry ${to.text}:${tag}: the registry still serves other bytes under ${d} after the good blob was uploaded again`, { hint: "the registry keeps a damaged blob it already has; delete it from the registry's storage (then run its garbage collection), or use a fresh cache repository" }));
            }
          }
        }
        const manifest = {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST_MEDIA_TYPE,
          config: { mediaType: CACHE_CONFIG_MEDIA_TYPE, digest: configDigest, size: configBytes.length },
          layers: blobs.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })),
          annotations: { "dev.modelsmith.build-cache.key": step.key, "dev.modelsmith.build-cache.kind": step.kind },
        };
        const bytes = Buffer.from(JSON.stringify(manifest));
        const res = await client.request(client.url(`manifests/${tag}`), { method: "PUT", what: `cache entry ${tag}`, headers: { "Content-Type": OCI_MANIFEST_MEDIA_TYPE }, body: () => bytes, ok: [200, 201] });
        await res.body?.cancel();
        if (damaged) this.damaged.delete(`${to.text} ${step.key}`);
      });
    } finally {
      await claim?.release();
    }
  }

  /** The verified record of `step` in `repo`, its blobs in the store; undefined for a miss, a bad entry (MS5701) or an unusable repository. */
  private async lookup(repo: CacheRepo, step: Step): Promise<StepRecord | undefined> {
    return this.guard(repo, "read", async () => {
      const client = this.client(repo);
      const tag = entryTag(step.key);
      const remote = { host: repo.host, repository: repo.repository, tag };
      const bad = (why: string, blob?: Sha256Digest) => {
        const seen = this.damaged.has(`${repo.text} ${step.key}`);
        this.damaged.set(`${repo.text} ${step.key}`, blob ? [blob] : []);
        // Once per entry (a claimed step is looked up twice).
        if (!seen) this.o.warn(warning("MS5701", `the remote cache entry ${repo.text}:${tag} (${describeStepKind(step)}) does not verify: ${why}`, { hint: "the step is computed here instead; nothing unverified was stored" }));
        return undefined;
      };
      let m;
      try {
        m = await fetchManifest(client, remote);
      } catch (err) {
        if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5613" || d.code === "MS5614")) return bad(err.diagnostics[0]!.message);
        throw err;
      }
      const cfg = m.manifest.config;
      if (cfg.mediaType !== CACHE_CONFIG_MEDIA_TYPE || cfg.size > MAX_MANIFEST_BYTES) return bad(`its config is ${cfg.mediaType}, not a build-cache entry`);
      const { bytes } = await client.getBytes(client.url(`blobs/${cfg.digest}`), { what: `cache entry config ${cfg.digest}` }, MAX_MANIFEST_BYTES);
      if (sha256(bytes) !== cfg.digest) return bad(`its config's bytes hash to ${sha256(bytes)}, not ${cfg.digest}`);
      const config = parseJson(bytes) as Partial<EntryConfig> | undefined;
      const record = config?.record;
      if (config?.modelsmith !== "build-cache" || config.key !== step.key || !validRecord(record) || record.kind !== step.kind) return bad("its config is not this step's");
      if (record.kind === "assemble" && sha256(Buffer.from(record.manifest)) !== record.digest) return bad(`its manifest does not hash to ${record.digest}`);
      const needed = entryBlobs(record);
      const listed = new Map(m.manifest.layers.map((l) => [l.digest, l.size]));
      for (const b of needed) if (listed.get(b.digest) !== b.size) return bad(`it does not list blob ${b.digest}`);
      // Three at once, as pull does; the first that does not verify (or fails) stops the rest from starting.
      const todo = [...needed];
      let broken: { why: string; digest: Sha256Digest } | undefined;
      const worker = async () => {
        for (let b = todo.shift(); b !== undefined && broken === undefined; b = todo.shift()) {
          if ((await this.o.store.checkBlob(b.digest, b.size)).status !== "ok") {
            try {
              await downloadBlob({ url: client.url(`blobs/${b.digest}`), headers: client.authHeaders(), digest: b.digest, size: b.size, store: this.o.store, limits: client.limits, what: `cache blob ${b.digest} of ${repo.text}` });
            } catch (err) {
              if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5602")) {
                broken ??= { why: `blob ${b.digest}: ${err.diagnostics[0]!.message}`, digest: b.digest };
                return;
              }
              throw err;
            }
          }
          await rememberBlob(this.o.store, repo.host, repo.repository, b.digest);
        }
      };
      await Promise.all(Array.from({ length: Math.min(3, needed.length) }, worker));
      if (broken !== undefined) return bad(broken.why, broken.digest);
      return record;
    });
  }

  private async readClaim(repo: CacheRepo, key: Sha256Digest): Promise<ClaimConfig | undefined> {
    const client = this.client(repo);
    const tag = `${entryTag(key)}-claim`;
    let m;
    try {
      m = await fetchManifest(client, { host: repo.host, repository: repo.repository, tag });
    } catch (err) {
      if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5611")) return undefined;
      throw err;
    }
    const { bytes } = await client.getBytes(client.url(`blobs/${m.manifest.config.digest}`), { what: `cache claim ${tag}` }, 1 << 16);
    const c = parseJson(bytes) as Partial<ClaimConfig> | undefined;
    return c?.modelsmith === "build-cache-claim" && c.key === key && typeof c.runner === "string" && typeof c.until === "number" ? (c as ClaimConfig) : undefined;
  }

  private async writeClaim(repo: CacheRepo, key: Sha256Digest, until: number): Promise<void> {
    await (await this.prepareClaim(repo, key, until))();
  }

  /** Uploads a claim's config blob; the function returned PUTs its manifest (one request: the race window is that short). */
  private async prepareClaim(repo: CacheRepo, key: Sha256Digest, until: number): Promise<() => Promise<void>> {
    const client = this.client(repo);
    const tag = `${entryTag(key)}-claim`;
    const claim: ClaimConfig = { modelsmith: "build-cache-claim", key, runner: this.runner, until };
    const configBytes = Buffer.from(JSON.stringify(claim));
    const digest = sha256(configBytes);
    await pushBytes(client, configBytes, digest);
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST_MEDIA_TYPE, config: { mediaType: CLAIM_CONFIG_MEDIA_TYPE, digest, size: configBytes.length }, layers: [] }));
    return async () => {
      const res = await client.request(client.url(`manifests/${tag}`), { method: "PUT", what: `cache claim ${tag}`, headers: { "Content-Type": OCI_MANIFEST_MEDIA_TYPE }, body: () => bytes, ok: [200, 201] });
      await res.body?.cancel();
    };
  }

  /** Keeps a won claim fresh (every third of the lease) until released; releasing writes an expired claim. */
  private holdClaim(repo: CacheRepo, key: Sha256Digest): Claim {
    let renewing = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(() => this.guard(repo, "write", () => this.writeClaim(repo, key, Date.now() + this.leaseMs)).then(() => {}));
    }, Math.max(1000, this.leaseMs / 3));
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await renewing;
        await this.guard(repo, "write", () => this.writeClaim(repo, key, 0));
      },
    };
  }
}

function describeStepKind(step: Step): string {
  return step.kind === "quantize" ? `quantize ${step.model} ${step.type}` : step.kind === "convert" ? (step.split ? `join ${step.model} split GGUF` : step.lora ? `convert ${step.model} adapter` : `convert ${step.model} ${step.outType}`) : `assemble ${step.model}`;
}

/** The blobs an entry carries: the quantized or converted model, or an assembled manifest's config and layers. */
function entryBlobs(record: StepRecord): { digest: Sha256Digest; size: number; mediaType: string }[] {
  if (record.kind !== "assemble") return [{ digest: record.digest, size: record.size, mediaType: LAYER_MEDIA_TYPES.model }];
  const m = parseManifest(record.manifest);
  const all = [m.config, ...m.layers];
  return manifestBlobs(m).map((d) => {
    const l = all.find((x) => x.digest === d)!;
    return { digest: d as Sha256Digest, size: l.size, mediaType: l.mediaType };
  });
}

function validRecord(r: unknown): r is StepRecord {
  const x = r as Partial<Record<string, unknown>> | undefined;
  if (!x || typeof x !== "object") return false;
  if (x.kind === "quantize" || x.kind === "convert") return typeof x.digest === "string" && /^sha256:[0-9a-f]{64}$/.test(x.digest) && typeof x.size === "number";
  if (x.kind === "assemble") return typeof x.manifest === "string" && typeof x.digest === "string";
  return false;
}

/** The sha256 of the bytes `client`'s repository serves under `digest` (streamed, not kept). */
async function remoteDigest(client: RegistryClient, digest: Sha256Digest): Promise<Sha256Digest> {
  const res = await client.request(client.url(`blobs/${digest}`), { method: "GET", what: `blob ${digest}` });
  const h = createHash("sha256");
  if (res.body) for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) h.update(chunk);
  return `sha256:${h.digest("hex")}`;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

function sha256(bytes: Buffer): Sha256Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * The cache settings of a build: each of `from` and `to` from the command
 * line, else the environment (MODELSMITH_CACHE_FROM / MODELSMITH_CACHE_TO),
 * else `cache:` in modelsmith.yaml. An empty value turns it off.
 */
export function chooseCache(cli: { from?: CacheSetting | undefined; to?: CacheSetting | undefined } | undefined, project: { from?: CacheSetting; to?: CacheSetting } | undefined): { from?: CacheRepo; to?: CacheRepo } {
  const pick = (which: "from" | "to") => {
    const s = cli?.[which] ?? project?.[which];
    return s && s.text.trim() !== "" ? parseCacheRepo(s) : undefined;
  };
  const from = pick("from");
  const to = pick("to");
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
