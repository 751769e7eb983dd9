import { freemem } from "node:os";
import { EnvironmentError, error, InputError } from "../diagnostics/index.js";
import { LAYER_MEDIA_TYPES, type Store } from "../store/index.js";

/** The share of the free memory at start a server may fill with models when no budget is given. */
export const DEFAULT_BUDGET_SHARE = 0.9;

const UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `8GiB`, `512MB`, `1.5g`, `1073741824` in bytes; MS8101 (bad input) otherwise. `what` names the setting. */
export function parseMemorySize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new InputError(error("MS8101", `${what}: cannot read ${JSON.stringify(text)} as a memory size`, { hint: "write a byte count with an optional unit: 8GiB, 512MiB, 2GB" }));
  }
  return Math.floor(Number(m[1]) * unit);
}

/** The default budget: DEFAULT_BUDGET_SHARE of the memory free now (the OS's available memory). */
export const defaultMemoryBudget = (): number => Math.floor(freemem() * DEFAULT_BUDGET_SHARE);

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const LOADED_TYPES = new Set<string>([LAYER_MEDIA_TYPES.model, LAYER_MEDIA_TYPES.adapter, LAYER_MEDIA_TYPES.projector]);

/**
 * A server's memory budget for loaded models: what a load of a model will
 * take is estimated as the size of the files it loads (its weights, adapters
 * and projector, from the manifest, per manifest digest); a model that does
 * not fit even alone is MS8100; otherwise ModelHost unloads the least
 * recently used idle models until it fits.
 */
export class MemoryBudget {
  private readonly sizes = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** The bytes a load of `name` (manifest `digest`) takes; MS8100 when that exceeds the whole budget. */
  async need(store: Store, name: string, digest: string): Promise<number> {
    let bytes = this.sizes.get(digest);
    if (bytes === undefined) {
      const { manifest } = await store.readManifest(name);
      bytes = manifest.layers.filter((l) => LOADED_TYPES.has(l.mediaType)).reduce((n, l) => n + l.size, 0);
      this.sizes.set(digest, bytes);
    }
    if (bytes > this.limit) {
      throw new EnvironmentError(
        error("MS8100", `model ${JSON.stringify(name)} needs ${formatBytes(bytes)} of memory, more than the server's budget of ${formatBytes(this.limit)}`, {
          hint: "raise --max-memory (or MODELSMITH_MAX_MEMORY), or serve a smaller quantization",
        }),
      );
    }
    return bytes;
  }

  /** Whether `need` more bytes fit beside loads of `used` bytes. */
  fits(used: number, need: number): boolean {
    return used + need <= this.limit;
  }
}
