import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Drift } from "./diff.js";
import type { LockedReference, LockedVariant } from "./lock.js";

/**
 * One line naming a drift, for `lock --check` and `build --frozen`: `+` for
 * an entry the lock lacks, `-` for one it has but should not, `~` for one
 * that changed, with every moved field as `old -> new` and digests in full.
 *
 *     + reference <key>: digest sha256:…, size 123, locator <locator>
 *     - reference <key>: digest sha256:…, size 123, locator <locator>
 *     ~ reference <key>: digest sha256:<old> -> sha256:<new>, size 1 -> 2
 *     + model chat:latest: inputs sha256:…, manifest sha256:…
 *     ~ model chat:latest: manifest sha256:<old> -> sha256:<new>
 */
export function formatDrift(d: Drift): string {
  switch (d.kind) {
    case "reference-added":
      return `+ reference ${d.reference}: ${referenceFields(d.entry)}`;
    case "reference-removed":
      return `- reference ${d.reference}: ${referenceFields(d.entry)}`;
    case "reference-changed":
      return `~ reference ${d.reference}: ${d.fields.map((f) => `${f} ${d.old[f]} -> ${d.new[f]}`).join(", ")}`;
    case "variant-added":
      return `+ model ${d.model}:${d.tag}: ${variantFields(d.entry)}`;
    case "variant-removed":
      return `- model ${d.model}:${d.tag}: ${variantFields(d.entry)}`;
    case "variant-changed":
      return `~ model ${d.model}:${d.tag}: ${d.fields.map((f) => `${f} ${d.old[f]} -> ${d.new[f]}`).join(", ")}`;
  }
}

/** One MS4154 diagnostic per drift (message: formatDrift's line), for --json output and the error renderer. */
export function driftDiagnostics(drifts: readonly Drift[], file: string): Diagnostic[] {
  return drifts.map((d) => error("MS4154", `models.lock is stale: ${formatDrift(d)}`, { file, hint: "run `modelsmith lock` and commit models.lock" }));
}

function referenceFields(r: LockedReference): string {
  return `digest ${r.digest}, size ${r.size}, locator ${r.locator}`;
}

function variantFields(v: LockedVariant): string {
  return `inputs ${v.inputs}, manifest ${v.manifest}`;
}

/** MS4155: `build --frozen` or `lock --check` found no lock file at `file`. */
export function missingLockDiagnostic(file: string): Diagnostic {
  return error("MS4155", `${file} does not exist`, { file, hint: "run `modelsmith lock` and commit models.lock; --frozen and `lock --check` need one" });
}
