import { randomBytes } from "node:crypto";
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
  /** `<store>/tmp/checkpoint-<pid>-<12 hex>.dir`: each file of the pin at its repository path, a symlink to its blob. */
  dir: string;
  /** Repository path to the blob file that holds it. */
  files: Map<string, string>;
  /** Removes the directory (never the blobs). */
  dispose(): Promise<void>;
}

/**
 * Lays out a fetched repository pin (`hf://org/repo@rev`) as a directory of
 * symlinks into the store, after checking every blob (Store.checkBlob: size,
 * and content when its stat moved): a missing or corrupt one is
 * EnvironmentError MS5203's sibling MS4400 naming the file, so the caller
 * fetches again. The directory is owned by this process (temp-names.ts), so
 * `prune` removes it once the process is gone; nothing is copied.
 */
export async function materializeCheckpoint(store: Store, pin: Pin): Promise<MaterializedCheckpoint> {
  const files = new Map<string, string>();
  for (const f of pin.files ?? []) {
    const c = await store.checkBlob(f.digest, f.size);
    if (c.status !== "ok" || !isSafeRepoPath(f.path)) {
      throw new EnvironmentError(error("MS4400", `${pin.source}: ${f.path} (${f.digest}) is ${!isSafeRepoPath(f.path) ? "not a path inside the repository" : c.status === "missing" ? "not in the store" : "corrupt in the store"}`, { hint: "run the build again: it fetches what is missing" }));
    }
    files.set(f.path, store.blobPath(f.digest));
  }
  const dir = path.join(store.layout.tmpDir, `checkpoint-${process.pid}-${randomBytes(6).toString("hex")}.dir`);
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
