import { readdir, readFile, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { error, InputError, didYouMean, type Diagnostic } from "../diagnostics/index.js";
import { sha256Digest, type Digest } from "./digest.js";
import { errnoCode } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { parseManifest, type Manifest } from "./manifest.js";
import { displayShortest, formatModelName, manifestPathParts, nameFromPathParts, type ModelName } from "./name.js";

/** A manifest as it is on disk: its name, parsed content, and the digest and size of its exact bytes. */
export interface StoredManifest {
  name: ModelName;
  manifest: Manifest;
  /** sha256 of the file's bytes (what `ollama list` shows as ID). */
  digest: Digest;
  /** Length of the manifest file in bytes. */
  bytes: number;
  path: string;
}

export interface ManifestListing {
  manifests: StoredManifest[];
  /** One MS5105 error per manifest file that could not be read or parsed. */
  problems: Diagnostic[];
}

/**
 * The path of the manifest stored for `name`, matching each segment
 * case-insensitively when the exact path does not exist (Ollama treats names
 * that differ only in case as one model), or undefined when there is none.
 */
export async function findManifestPath(layout: StoreLayout, name: ModelName): Promise<string | undefined> {
  const exact = layout.manifestPath(name);
  if (await isFile(exact)) return exact;
  let dir = layout.manifestsDir;
  for (const segment of manifestPathParts(name)) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    const match = entries.find((e) => e.toLowerCase() === segment.toLowerCase());
    if (match === undefined) return undefined;
    dir = path.join(dir, match);
  }
  return (await isFile(dir)) ? dir : undefined;
}

/** The name a manifest path under `manifests/` stands for (its on-disk casing). */
export function nameOfManifestPath(layout: StoreLayout, file: string): ModelName | undefined {
  return nameFromPathParts(path.relative(layout.manifestsDir, file).split(path.sep));
}

/** Reads the manifest of `name`; InputError MS5102 (with a did-you-mean) when there is none, MS5105 when corrupt. */
export async function readManifest(layout: StoreLayout, name: ModelName): Promise<StoredManifest> {
  const file = await findManifestPath(layout, name);
  if (file === undefined) throw await notFound(layout, name);
  return readManifestFile(layout, file);
}

export async function readManifestFile(layout: StoreLayout, file: string): Promise<StoredManifest> {
  const bytes = await readFile(file);
  const name = nameOfManifestPath(layout, file);
  if (!name) throw new Error(`not a manifest path: ${file}`);
  return { name, manifest: parseManifest(bytes.toString("utf8"), file), digest: sha256Digest(bytes), bytes: bytes.length, path: file };
}

/**
 * Every manifest in the store, sorted by full name: the files exactly four
 * levels under `manifests/` whose path segments form a valid name (Ollama's
 * `manifests/*\/*\/*\/*`; anything else there is ignored, as Ollama does).
 * Unreadable manifests are reported in `problems`, not thrown.
 */
export async function listManifests(layout: StoreLayout): Promise<ManifestListing> {
  const manifests: StoredManifest[] = [];
  const problems: Diagnostic[] = [];
  for (const file of await manifestFiles(layout)) {
    try {
      manifests.push(await readManifestFile(layout, file));
    } catch (err) {
      const diags = (err as { diagnostics?: Diagnostic[] }).diagnostics;
      problems.push(...(diags ?? [error("MS5105", `cannot read manifest: ${(err as Error).message}`, { file })]));
    }
  }
  manifests.sort((a, b) => compareNames(a.name, b.name));
  return { manifests, problems };
}

async function manifestFiles(layout: StoreLayout): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return [];
      throw err;
    });
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (depth < 3 && e.isDirectory()) await walk(p, depth + 1);
      else if (depth === 3 && e.isFile() && nameOfManifestPath(layout, p)) files.push(p);
    }
  };
  await walk(layout.manifestsDir, 0);
  return files.sort();
}

/** Removes now-empty directories from `dir` up to (not including) `manifests/`, as Ollama's PruneDirectory does. */
export async function pruneEmptyDirs(layout: StoreLayout, dir: string): Promise<void> {
  let d = dir;
  while (d.startsWith(layout.manifestsDir + path.sep)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    d = path.dirname(d);
  }
}

export async function notFound(layout: StoreLayout, name: ModelName): Promise<InputError> {
  const known = (await manifestFiles(layout)).map((f) => nameOfManifestPath(layout, f)).filter((n): n is ModelName => n !== undefined);
  const hint = didYouMean(displayShortest(name), known.map(displayShortest));
  return new InputError(error("MS5102", `model ${displayShortest(name)} not found in the store`, { hint: hint ?? "list the models with `modelsmith ls`" }));
}

function compareNames(a: ModelName, b: ModelName): number {
  const x = formatModelName(a);
  const y = formatModelName(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}
