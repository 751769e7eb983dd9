import { mkdir, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError } from "../../diagnostics/errors.js";
import { storeWriteError } from "../../store/io-error.js";
import type { Store } from "../../store/store.js";
import { isSafeRepoPath } from "../checkpoint.js";
import type { Pin } from "./pin.js";

/** A repository's files laid out as the repository has them, for a reader that wants a directory (the conversion). */
export interface MaterializedCheckpoint {
  /** checkpointDirOf by default: each file of the pin at its repository path, a symlink to its blob. */
  dir: string;
  /** Repository path to the blob file that holds it. */
  files: Map<string, string>;
  /** Removes the directory (never the blobs). */
  dispose(): Promise<void>;
}

/**
 * Where this process lays out a repository checkpoint: `<store>/tmp/checkpoint-<pid>-<12 hex of its digest>.dir`.
 * Owned by this process (temp-names.ts): removed when it ends, or by `prune` once it is gone.
 */
export function checkpointDirOf(store: Store, pin: Pick<Pin, "digest">): string {
  return path.join(store.layout.tmpDir, `checkpoint-${process.pid}-${pin.digest.slice("sha256:".length, "sha256:".length + 12)}.dir`);
}

/**
 * Lays out a fetched repository pin (`hf://org/repo@rev`) at `dir` as the
 * repository has its files, each a symlink to its blob, after checking every
 * blob (Store.checkBlob: size, and content when its stat moved): a missing or
 * corrupt one is EnvironmentError MS4406 naming the file (run again: the
 * build fetches it). Nothing is copied; `dispose` removes the symlinks only.
 */
export async function materializeCheckpoint(store: Store, pin: Pin, dir = checkpointDirOf(store, pin)): Promise<MaterializedCheckpoint> {
  const files = new Map<string, string>();
  for (const f of pin.files ?? []) {
    const c = await store.checkBlob(f.digest, f.size);
    if (c.status !== "ok" || !isSafeRepoPath(f.path)) {
      throw new EnvironmentError(error("MS4406", `${pin.source}: ${f.path} (${f.digest}) is ${!isSafeRepoPath(f.path) ? "not a path inside the repository" : c.status === "missing" ? "not in the store" : "corrupt in the store"}`, { hint: "run the build again: it fetches what is missing" }));
    }
    files.set(f.path, store.blobPath(f.digest));
  }
  await rm(dir, { recursive: true, force: true });
  try {
    for (const [p, blob] of files) {
      const at = path.join(dir, ...p.split("/"));
      await mkdir(path.dirname(at), { recursive: true });
      await symlink(blob, at);
    }
    await mkdir(dir, { recursive: true });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw storeWriteError("lay out the checkpoint", dir, err);
  }
  return { dir, files, dispose: () => rm(dir, { recursive: true, force: true }) };
}
