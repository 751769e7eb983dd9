import { stat, unlink } from "node:fs/promises";
import { EnvironmentError, ModelsmithError, error, warning, type Diagnostic } from "../diagnostics/index.js";
import { manifestBlobs, parseModelName, type Digest, type Manifest, type ModelName, type Store } from "../store/index.js";

export interface RemoveResult {
  /** The models removed, in the order given, with the digest their manifest had. */
  removed: Array<{ name: ModelName; digest: Digest }>;
  /** Their blobs that no remaining manifest uses, now deleted, sorted by digest. */
  freed: Array<{ digest: Digest; size: number }>;
  freedBytes: number;
  /** MS5306 when blobs were kept because a remaining manifest could not be read. */
  warnings: Diagnostic[];
}

/**
 * `rm`, as Ollama's DeleteHandler does it: remove the manifests, then delete
 * the blobs of the removed models that no remaining manifest refers to (other
 * unreferenced blobs are left for `prune`). All names are looked up first, so
 * an unknown name (InputError MS5102, with a did-you-mean) removes nothing.
 * Runs under the store lock. When a remaining manifest cannot be read, no
 * blob is deleted (it might use them) and MS5306 says so.
 *
 * Like Ollama, and unlike `prune`, there is no grace period: a build in
 * another process that has put one of these blobs but not yet written its
 * manifest then fails cleanly (MS5106) and succeeds when run again.
 */
export async function removeModels(store: Store, names: readonly string[]): Promise<RemoveResult> {
  return store.withLock(async () => {
    const targets: { name: ModelName; path: string; manifest?: Manifest }[] = [];
    const result: RemoveResult = { removed: [], freed: [], freedBytes: 0, warnings: [] };
    for (const n of names) {
      const name = parseModelName(n);
      try {
        targets.push(await store.readManifest(name));
      } catch (err) {
        // A manifest that does not parse is removed all the same (prune's MS5110 hint says to): its blobs are left for prune.
        if (!(err instanceof ModelsmithError) || err.diagnostics[0]?.code !== "MS5105") throw err;
        targets.push({ name, path: `corrupt:${n}` });
        result.warnings.push(warning("MS5105", `${n}: the manifest could not be read; removed it, its blobs are left for \`modelsmith prune\``));
      }
    }
    const seen = new Set<string>();
    const candidates = new Set<Digest>();
    for (const t of targets) {
      if (seen.has(t.path)) continue;
      seen.add(t.path);
      result.removed.push(await store.removeManifest(t.name));
      if (t.manifest) for (const d of manifestBlobs(t.manifest)) candidates.add(d);
    }
    const { manifests, problems } = await store.listManifests();
    if (problems.length > 0) {
      result.warnings.push(warning("MS5306", `kept the removed models' blobs: ${problems.length === 1 ? "1 manifest" : `${problems.length} manifests`} in the store cannot be read and might use them`, { hint: "remove the broken models with `modelsmith rm <name>`, then run `modelsmith prune`" }));
      return result;
    }
    const inUse = new Set(manifests.flatMap((m) => manifestBlobs(m.manifest)));
    for (const digest of [...candidates].sort()) {
      if (inUse.has(digest)) continue;
      const size = await deleteBlob(store.blobPath(digest));
      if (size === undefined) continue;
      result.freed.push({ digest, size });
      result.freedBytes += size;
    }
    return result;
  });
}

/** Unlinks a blob; its size, or undefined when it was already gone. */
async function deleteBlob(file: string): Promise<number | undefined> {
  try {
    const { size } = await stat(file);
    await unlink(file);
    return size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EnvironmentError(error("MS5109", `cannot delete ${file}: ${(err as Error).message}`, { hint: "check the permissions of the store's blobs directory" }), { cause: err });
  }
}
