import { readFile, rmdir } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { EnvironmentError, error, ModelsmithError } from "../diagnostics/index.js";
import { displayShortest, manifestBlobs, Store, type Digest, type IngestResult, type NameInput, type Store as StoreType } from "../store/index.js";

export interface OllamaExportResult {
  /** The model's shortest name, e.g. `code-assistant:latest`. */
  name: string;
  /** The models directory written (what OLLAMA_MODELS points at). */
  dir: string;
  /** Where the manifest was written. */
  manifest: string;
  digest: Digest;
  /** Per blob, how it got there: hardlink, reflink, copy, or already there ("existing"). */
  blobs: Array<{ digest: Digest; size: number; method: IngestResult["method"] }>;
}

/**
 * Ollama's models directory: `$OLLAMA_MODELS` when set (as Ollama reads it),
 * else `~/.ollama/models`.
 */
export function defaultOllamaModelsDir(env: Readonly<Record<string, string | undefined>>, home = homedir()): string {
  return env.OLLAMA_MODELS ? path.resolve(env.OLLAMA_MODELS) : path.join(home, ".ollama", "models");
}

/**
 * Writes a stored model into an Ollama models directory (`dir/blobs/`,
 * `dir/manifests/<host>/<namespace>/<model>/<tag>`), so that `ollama run
 * <name>` finds it: each blob is hardlinked from the store where the file
 * system allows (reflink, then copy, where it does not) and checked against
 * its digest on the way in; then the manifest is written with its exact bytes
 * (same digest as in the store), under the same name, replacing one of that
 * name. Both directories use one layout, so this is the store's own ingest and
 * manifest write with `dir` as the root; the `tmp/` it needs is removed again
 * when empty. Errors: MS5102 unknown model; MS5321 when `dir` cannot be written.
 */
export async function exportToOllama(store: StoreType, name: NameInput, dir: string): Promise<OllamaExportResult> {
  const stored = await store.readManifest(name);
  const bytes = await readFile(stored.path);
  const target = new Store(dir, { statCache: false });
  try {
    const blobs: OllamaExportResult["blobs"] = [];
    for (const digest of manifestBlobs(stored.manifest)) {
      const r = await target.ingestFile(store.blobPath(digest), { expectedDigest: digest });
      blobs.push({ digest, size: r.size, method: r.method });
    }
    const written = await target.writeManifestBytes(stored.name, bytes);
    return { name: displayShortest(stored.name), dir: target.root, manifest: written.path, digest: written.digest, blobs };
  } catch (err) {
    if (err instanceof ModelsmithError && err.kind !== "environment") throw err;
    const what = `cannot export ${displayShortest(stored.name)} to ${target.root}`;
    const cause = err instanceof ModelsmithError ? err.diagnostics : [];
    if (!(err instanceof ModelsmithError) && typeof (err as NodeJS.ErrnoException).code !== "string") throw err;
    const detail = err instanceof ModelsmithError ? "" : `: ${(err as Error).message}`;
    throw new EnvironmentError([error("MS5321", `${what}${detail}`, { hint: "check that the directory is writable and the disk has room" }), ...cause], { cause: err });
  } finally {
    await rmdir(target.layout.tmpDir).catch(() => {});
  }
}
