import { stat } from "node:fs/promises";
import type { Diagnostic } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import { hashFile } from "./hash-file.js";
import { errnoCode } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { listManifests } from "./manifest-files.js";
import type { ModelName } from "./name.js";
import { listBlobFiles } from "./blob-files.js";

export type BlobCheck =
  | { digest: Digest; status: "ok"; size: number }
  | { digest: Digest; status: "mismatch"; size: number; actual: Digest }
  | { digest: Digest; status: "missing" };

/** Re-hashes one blob and compares with the digest it is stored under. */
export async function verifyBlob(layout: StoreLayout, digest: Digest): Promise<BlobCheck> {
  const file = layout.blobPath(digest);
  const st = await stat(file).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  });
  if (!st) return { digest, status: "missing" };
  const { digest: actual, size } = await hashFile(file);
  return actual === digest ? { digest, status: "ok", size } : { digest, status: "mismatch", size, actual };
}

export interface BlobProblem {
  digest: Digest;
  /** mismatch: content hashes to another digest; missing: a manifest needs it; size: a manifest declares another size. */
  kind: "mismatch" | "missing" | "size";
  actual?: Digest;
  /** Models whose manifests refer to the blob, sorted. */
  usedBy: ModelName[];
}

export interface VerifyResult {
  checkedBlobs: number;
  checkedBytes: number;
  problems: BlobProblem[];
  /** Manifests that could not be read (MS5105). */
  manifestProblems: Diagnostic[];
}

/**
 * Re-hashes every blob in the store (referenced or not) and checks every
 * manifest's references: a blob whose bytes no longer match its name (a
 * flipped bit, a hardlinked source edited in place) is a `mismatch`; a blob a
 * manifest needs but the store lacks is `missing`; a manifest that declares a
 * size other than the blob's is `size`. Each problem names the models using
 * the blob. Reads only; takes no lock.
 */
export async function verify(layout: StoreLayout, onBlob?: (check: BlobCheck) => void): Promise<VerifyResult> {
  const { manifests, problems: manifestProblems } = await listManifests(layout);
  const usedBy = new Map<Digest, ModelName[]>();
  const declared = new Map<Digest, Array<{ name: ModelName; size: number }>>();
  for (const m of manifests) {
    for (const l of [m.manifest.config, ...m.manifest.layers]) {
      const names = usedBy.get(l.digest) ?? [];
      if (!names.includes(m.name)) names.push(m.name);
      usedBy.set(l.digest, names);
      declared.set(l.digest, [...(declared.get(l.digest) ?? []), { name: m.name, size: l.size }]);
    }
  }
  const problems: BlobProblem[] = [];
  let checkedBytes = 0;
  const present = new Set<Digest>();
  const blobs = await listBlobFiles(layout);
  for (const blob of blobs) {
    present.add(blob.digest);
    const check = await verifyBlob(layout, blob.digest);
    onBlob?.(check);
    if (check.status === "missing") continue; // removed meanwhile by a concurrent gc
    checkedBytes += check.size;
    if (check.status === "mismatch") problems.push({ digest: blob.digest, kind: "mismatch", actual: check.actual, usedBy: usedBy.get(blob.digest) ?? [] });
    else {
      const wrong = (declared.get(blob.digest) ?? []).filter((d) => d.size !== check.size).map((d) => d.name);
      if (wrong.length > 0) problems.push({ digest: blob.digest, kind: "size", usedBy: unique(wrong) });
    }
  }
  for (const [digest, names] of usedBy) if (!present.has(digest)) problems.push({ digest, kind: "missing", usedBy: names });
  problems.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return { checkedBlobs: blobs.length, checkedBytes, problems, manifestProblems };
}

function unique(names: ModelName[]): ModelName[] {
  return names.filter((n, i) => names.indexOf(n) === i);
}
