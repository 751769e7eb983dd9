import { isRefusedFile, readRegularText, refusedFileCode } from "../fsutil/read-regular.js";
import { error } from "../diagnostics/diagnostic.js";
import { atomicWrite } from "../fsutil/atomic-write.js";
import path from "node:path";
import { CheckFailedError, InputError } from "../diagnostics/errors.js";
import { diffLock, type Drift } from "../lock/diff.js";
import { driftDiagnostics, missingLockDiagnostic } from "../lock/format-drift.js";
import { emptyLock, LOCK_FILE, type Lock, type LockedVariant } from "../lock/lock.js";
import { parseLock } from "../lock/parse.js";
import { serializeLock } from "../lock/serialize.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Pin } from "../resolve/sources/pin.js";
import type { PlannedVariant } from "./plan.js";

/** models.lock as read: absent, or its text and parsed lock. */
export interface LockOnDisk {
  file: string;
  /** Name diagnostics use. */
  shown: string;
  text?: string;
  lock?: Lock;
}

/** Reads `<root>/models.lock`; an invalid lock is an InputError with every problem at its line. */
export async function readLockFile(root: string, display: (abs: string) => string, sources: Map<string, string>): Promise<LockOnDisk> {
  const file = path.join(root, LOCK_FILE);
  const shown = display(file);
  let text: string;
  try {
    text = await readRegularText(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { file, shown };
    if (isRefusedFile(cause)) throw new InputError(error(refusedFileCode(cause), `cannot read ${shown}: ${cause.message}`, { file: shown }));
    throw cause;
  }
  sources.set(shown, text);
  const { lock, diagnostics } = parseLock(text, shown);
  if (!lock) throw new InputError(diagnostics);
  return { file, shown, text, lock };
}

/**
 * The lock a set of pins and variants gives. `manifestOf` answers the
 * manifest digest of a variant's inputs, or undefined when it is not known
 * (not built, not in the old lock): such a variant is left out.
 */
export function makeLock(pins: Iterable<Pin>, variants: readonly PlannedVariant[], manifestOf: (v: PlannedVariant) => Sha256Digest | undefined): Lock {
  const lock = emptyLock();
  for (const p of pins) lock.references[p.source] = { locator: p.locator, digest: p.digest, size: p.size, ...(p.layers?.length ? { layers: p.layers } : {}), ...(p.files?.length ? { files: p.files } : {}) };
  for (const v of variants) {
    const manifest = manifestOf(v);
    if (manifest === undefined) continue;
    (lock.models[v.model] ??= {})[v.tag] = { inputs: v.key, manifest };
  }
  return lock;
}

/** The manifest the old lock records for `v`, when it was built from the same inputs. */
export function lockedManifest(old: Lock | undefined, v: PlannedVariant): Sha256Digest | undefined {
  const e: LockedVariant | undefined = old && Object.hasOwn(old.models, v.model) && Object.hasOwn(old.models[v.model]!, v.tag) ? old.models[v.model]![v.tag] : undefined;
  return e && e.inputs === v.key ? e.manifest : undefined;
}

/**
 * What drifted between the lock on disk and what resolving gives now, before
 * anything is built: references in full; variants by their inputs (a variant
 * whose inputs did not move keeps the manifest the lock records, unless
 * `built` knows the manifest those inputs gave (the step cache), since only a
 * build can tell). Throws CheckFailedError MS4155 when there is no lock.
 */
export function resolvedDrift(onDisk: LockOnDisk, pins: Iterable<Pin>, variants: readonly PlannedVariant[], built: ReadonlyMap<PlannedVariant, Sha256Digest> = new Map()): Drift[] {
  const old = requireLock(onDisk);
  const now = makeLock(pins, variants, (v) => built.get(v) ?? lockedManifest(old, v) ?? oldManifest(old, v) ?? UNBUILT);
  return diffLock(old, now);
}

/** Shown as the manifest of a variant that is new to the lock and not built. */
const UNBUILT = "sha256:(not built)" as Sha256Digest;

function oldManifest(old: Lock, v: PlannedVariant): Sha256Digest | undefined {
  return Object.hasOwn(old.models, v.model) && Object.hasOwn(old.models[v.model]!, v.tag) ? old.models[v.model]![v.tag]!.manifest : undefined;
}

export function requireLock(onDisk: LockOnDisk): Lock {
  if (onDisk.lock) return onDisk.lock;
  throw new CheckFailedError(missingLockDiagnostic(onDisk.shown));
}

/** CheckFailedError with one MS4154 per drift, when there is any. */
export function failOnDrift(drifts: readonly Drift[], onDisk: LockOnDisk): void {
  if (drifts.length) throw new CheckFailedError(driftDiagnostics(drifts, onDisk.shown));
}

/** Writes the lock when its bytes differ from the file's; returns whether it wrote. */
export async function writeLockIfChanged(onDisk: LockOnDisk, lock: Lock): Promise<boolean> {
  const text = serializeLock(lock);
  if (text === onDisk.text) return false;
  await atomicWrite(onDisk.file, text);
  return true;
}
