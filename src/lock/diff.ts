import type { Lock, LockedReference, LockedVariant } from "./lock.js";

/**
 * One thing that differs between the lock on disk (`old`) and what resolving
 * or building gives now (`new`). References are named by their canonical key,
 * variants by model and tag; `changed` drifts carry both sides whole, and
 * `fields` names exactly which fields moved, in a fixed order
 * (digest, size, locator; inputs, manifest).
 */
export type Drift =
  | { kind: "reference-added"; reference: string; entry: LockedReference }
  | { kind: "reference-removed"; reference: string; entry: LockedReference }
  | { kind: "reference-changed"; reference: string; fields: (keyof LockedReference)[]; old: LockedReference; new: LockedReference }
  | { kind: "variant-added"; model: string; tag: string; entry: LockedVariant }
  | { kind: "variant-removed"; model: string; tag: string; entry: LockedVariant }
  | { kind: "variant-changed"; model: string; tag: string; fields: (keyof LockedVariant)[]; old: LockedVariant; new: LockedVariant };

const REFERENCE_FIELDS = ["digest", "size", "locator"] as const satisfies readonly (keyof LockedReference)[];
const VARIANT_FIELDS = ["inputs", "manifest"] as const satisfies readonly (keyof LockedVariant)[];

/**
 * Everything that drifted from `old` to `new`, in a stable order: references
 * by key, then variants by model and tag (UTF-16 code-unit order). Empty when
 * the two locks would serialize to the same bytes.
 */
export function diffLock(old: Lock, now: Lock): Drift[] {
  const out: Drift[] = [];
  for (const key of unionKeys(old.references, now.references)) {
    const a = own(old.references, key);
    const b = own(now.references, key);
    if (a === undefined) out.push({ kind: "reference-added", reference: key, entry: b! });
    else if (b === undefined) out.push({ kind: "reference-removed", reference: key, entry: a });
    else {
      const fields = REFERENCE_FIELDS.filter((f) => a[f] !== b[f]);
      if (fields.length) out.push({ kind: "reference-changed", reference: key, fields, old: a, new: b });
    }
  }
  for (const model of unionKeys(old.models, now.models)) {
    const va = own(old.models, model) ?? {};
    const vb = own(now.models, model) ?? {};
    for (const tag of unionKeys(va, vb)) {
      const a = own(va, tag);
      const b = own(vb, tag);
      if (a === undefined) out.push({ kind: "variant-added", model, tag, entry: b! });
      else if (b === undefined) out.push({ kind: "variant-removed", model, tag, entry: a });
      else {
        const fields = VARIANT_FIELDS.filter((f) => a[f] !== b[f]);
        if (fields.length) out.push({ kind: "variant-changed", model, tag, fields, old: a, new: b });
      }
    }
  }
  return out;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function own<V>(m: Record<string, V>, k: string): V | undefined {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}
