import { stringify } from "yaml";
import type { Lock, LockedReference, LockedVariant } from "./lock.js";

/** First line of every lock file. */
export const LOCK_HEADER = "# models.lock: written by modelsmith (`modelsmith lock`); do not edit by hand.";

/**
 * models.lock as text: the header comment, then `version`, `references` and
 * `models` in that order; inside them every map sorted by key (UTF-16 code
 * units, so independent of locale), entry fields in alphabetical order. No
 * timestamps, no tool version, no host paths beyond what the references say;
 * block style, no line folding, `\n` line ends, one final newline. The same
 * lock gives the same bytes whatever order its objects were built in.
 */
export function serializeLock(lock: Lock): string {
  const doc = {
    version: lock.version,
    references: sortedMap(lock.references, (r: LockedReference) => ({
      digest: r.digest,
      ...(r.files?.length ? { files: [...r.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ digest: f.digest, path: f.path, size: f.size })) } : {}),
      ...(r.layers?.length ? { layers: r.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })) } : {}),
      locator: r.locator,
      size: r.size,
    })),
    models: sortedMap(lock.models, (variants) => sortedMap(variants, (v: LockedVariant) => ({ inputs: v.inputs, manifest: v.manifest }))),
  };
  const body = stringify(doc, { lineWidth: 0, minContentWidth: 0, indent: 2, defaultStringType: "PLAIN", defaultKeyType: "PLAIN" });
  return `${LOCK_HEADER}\n${body}`;
}

/** A copy of `m` with keys in code-unit order, values mapped; own properties only. */
function sortedMap<V, W>(m: Record<string, V>, f: (v: V) => W): Record<string, W> {
  const out: Record<string, W> = {};
  for (const k of Object.keys(m).sort()) Object.defineProperty(out, k, { value: f(m[k]!), enumerable: true, writable: true, configurable: true });
  return out;
}
