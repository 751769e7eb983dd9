import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, error } from "../diagnostics/index.js";
import { sha256Digest, type Digest } from "./digest.js";
import { errnoCode, storeWriteError } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { parseManifest, serializeManifest, type Manifest } from "./manifest.js";
import { findManifestPath, nameOfManifestPath, notFound, pruneEmptyDirs } from "./manifest-files.js";
import type { ModelName } from "./name.js";
import { removeQuietly, syncDir, tempPath } from "./temp-file.js";

export interface WrittenManifest {
  name: ModelName;
  digest: Digest;
  path: string;
}

/**
 * Writes `manifest` (serialized canonically) as the manifest of `name`.
 * Call with the store lock held (Store does).
 */
export async function writeManifest(layout: StoreLayout, name: ModelName, manifest: Manifest): Promise<WrittenManifest> {
  return writeManifestBytes(layout, name, serializeManifest(manifest));
}

/**
 * Writes manifest bytes exactly as given (a manifest pulled from a registry
 * must keep its bytes, or its digest would change). Before writing, checks
 * that every blob it refers to is in the store with the declared size
 * (EnvironmentError MS5106 otherwise): the store never holds a manifest that
 * cannot be served. The file appears atomically (temp file + rename); a name
 * that exists in another letter case is overwritten in place, as Ollama does.
 * Call with the store lock held, so that gc() cannot run between the check
 * and the rename.
 */
export async function writeManifestBytes(layout: StoreLayout, name: ModelName, bytes: string | Uint8Array): Promise<WrittenManifest> {
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  const target = (await findManifestPath(layout, name)) ?? layout.manifestPath(name);
  const manifest = parseManifest(data.toString("utf8"), target);
  for (const layer of [manifest.config, ...manifest.layers]) {
    const st = await stat(layout.blobPath(layer.digest)).catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    });
    if (!st || st.size !== layer.size) {
      const why = st ? `has ${st.size} bytes, the manifest says ${layer.size}` : "is not in the store";
      throw new EnvironmentError(error("MS5106", `manifest of ${name.model}:${name.tag} refers to blob ${layer.digest} (${layer.mediaType}), which ${why}`, { file: target }));
    }
  }
  const tmp = await tempPath(layout, "manifest");
  try {
    await writeFile(tmp, data, { flag: "wx", mode: 0o644 });
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
    await syncDir(path.dirname(target));
  } catch (err) {
    throw storeWriteError(`write the manifest of ${name.model}:${name.tag}`, target, err);
  } finally {
    await removeQuietly(tmp).catch(() => {});
  }
  return { name: nameOfManifestPath(layout, target) ?? name, digest: sha256Digest(data), path: target };
}

/**
 * Removes the manifest of `name` (even a corrupt one) and the directories it
 * leaves empty; its blobs stay until gc(). InputError MS5102 when there is none.
 * Call with the store lock held.
 */
export async function removeManifest(layout: StoreLayout, name: ModelName): Promise<{ name: ModelName; digest: Digest }> {
  const file = await findManifestPath(layout, name);
  if (file === undefined) throw await notFound(layout, name);
  const bytes = await readFile(file);
  await unlink(file).catch((err: unknown) => {
    throw storeWriteError(`remove the manifest of ${name.model}:${name.tag}`, file, err);
  });
  await pruneEmptyDirs(layout, path.dirname(file));
  return { name: nameOfManifestPath(layout, file) ?? name, digest: sha256Digest(bytes) };
}

/**
 * `cp`: the manifest of `from`, byte for byte, under the name `to`. No blob is
 * written: the copy shares every blob and has the same digest. Call with the
 * store lock held.
 */
export async function copyManifest(layout: StoreLayout, from: ModelName, to: ModelName): Promise<WrittenManifest> {
  const file = await findManifestPath(layout, from);
  if (file === undefined) throw await notFound(layout, from);
  return writeManifestBytes(layout, to, await readFile(file));
}
