import { rm, unlink } from "node:fs/promises";
import { EnvironmentError, error } from "../diagnostics/index.js";
import type { Digest } from "./digest.js";
import { errnoCode, storeWriteError } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { manifestBlobs } from "./manifest.js";
import { listManifests } from "./manifest-files.js";
import { listBlobFiles, listTempFiles } from "./blob-files.js";
import { pidAlive } from "./lock.js";
import { classifyTempName } from "./temp-names.js";
import { listLeases, pinnedByOthers } from "./writer-lease.js";

export interface GcOptions {
  /**
   * Unreferenced blobs that entered the store (or were reused) less than this
   * long ago are kept: they may belong to a build in another process that has
   * put its layers and not yet written its manifest. Default 1 hour (Ollama's
   * own prune grace period).
   */
  graceMs?: number;
  /**
   * Resumable downloads under tmp/ older than this are removed, while no
   * other writer is live. Default 1 hour. (Temp files that name their owner
   * are removed once it is dead, at any age: temp-names.ts.)
   */
  tempMaxAgeMs?: number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** The clock, for tests. */
  now?: number;
}

export interface GcResult {
  removedBlobs: Array<{ digest: Digest; size: number }>;
  removedTemp: Array<{ path: string; size: number }>;
  /** Unreferenced blobs kept because they are younger than graceMs. */
  keptYoung: Digest[];
  freedBytes: number;
}

/**
 * Mark and sweep: removes every blob that no manifest refers to (config or
 * layer), except young ones (see graceMs) and those a live build has pinned
 * (writer-lease.ts), and abandoned temp files: only modelsmith's own names
 * (temp-names.ts), those of dead processes, never through a symlinked tmp/.
 * Refuses to
 * remove anything (EnvironmentError MS5110) when a manifest cannot be read,
 * since the blobs it refers to are unknown. Only files named like digests are
 * touched under blobs/. Call with the store lock held (Store does), so that no
 * manifest is written between the mark and the sweep.
 */
export async function gc(layout: StoreLayout, options: GcOptions = {}): Promise<GcResult> {
  const now = options.now ?? Date.now();
  const graceMs = options.graceMs ?? 60 * 60_000;
  const tempMaxAgeMs = options.tempMaxAgeMs ?? 60 * 60_000;
  const { manifests, problems } = await listManifests(layout);
  if (problems.length > 0) {
    throw new EnvironmentError([error("MS5110", problems.length === 1 ? "not pruning: 1 manifest cannot be read, and the blobs it uses are unknown" : `not pruning: ${problems.length} manifests cannot be read, and the blobs they use are unknown`, { hint: "remove the broken models with `modelsmith rm <name>`, then prune again" }), ...problems]);
  }
  const referenced = new Set<Digest>(manifests.flatMap((m) => manifestBlobs(m.manifest)));
  const result: GcResult = { removedBlobs: [], removedTemp: [], keptYoung: [], freedBytes: 0 };

  const blobs = await listBlobFiles(layout);
  // Read after the listing: a writer pins a blob before it checks or writes it.
  const pinned = await pinnedByOthers(layout);
  for (const blob of blobs) {
    if (referenced.has(blob.digest) || pinned.has(blob.digest)) continue;
    if (now - blob.touchedMs < graceMs) {
      result.keptYoung.push(blob.digest);
      continue;
    }
    if (!options.dryRun && !(await removeFile(blob.path))) continue;
    result.removedBlobs.push({ digest: blob.digest, size: blob.size });
    result.freedBytes += blob.size;
  }
  const othersLive = (await listLeases(layout)).some((l) => l.pid !== process.pid && pidAlive(l.pid));
  for (const tmp of await listTempFiles(layout)) {
    const name = classifyTempName(tmp.name);
    if (name === undefined) continue;
    if (name.kind === "owned" && (name.pid === process.pid || pidAlive(name.pid))) continue;
    if (name.kind === "resumable" && (othersLive || now - tmp.mtimeMs < tempMaxAgeMs)) continue;
    if (!options.dryRun && !(await removeFile(tmp.path))) continue;
    result.removedTemp.push({ path: tmp.path, size: tmp.size });
    result.freedBytes += tmp.size;
  }
  return result;
}

/** Unlinks `file`; false when it is already gone (someone else removed it). */
async function removeFile(file: string): Promise<boolean> {
  try {
    // A laid-out checkpoint (temp-names.ts) is a directory of symlinks.
    await (file.endsWith(".dir") ? rm(file, { recursive: true }) : unlink(file));
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw storeWriteError("remove an unused file", file, err);
  }
}
