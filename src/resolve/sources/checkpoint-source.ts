import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { checkpointInputFiles, isCheckpointDir } from "../../convert/checkpoint.js";
import { digestOf } from "../../lock/canonical-json.js";
import { digestFile } from "../../store/hash-file.js";
import { StatCache } from "../../store/stat-cache.js";
import { formatReference } from "../format-reference.js";
import type { FileReference } from "../reference-types.js";
import { localPath, pinMismatch } from "./file-source.js";
import type { Pin, SourceContext } from "./pin.js";

export { isCheckpointDir };

/**
 * A local Hugging Face checkpoint folder (`FROM ./my-model`, see
 * src/convert/). Its pin's digest is that of the list of the files the
 * conversion reads with their sha256 and size (hashed through the store's
 * stat cache, so a no-op rebuild hashes nothing); `checkpoint` carries the
 * list and the folder, and the build plans a convert step from it. Nothing
 * is put in the store until that step runs.
 */
export async function resolveCheckpoint(ref: FileReference, ctx: SourceContext): Promise<Pin> {
  const dir = localPath(ref.path, ctx);
  const cache = new StatCache(ctx.store.layout.statCacheFile);
  const files: { name: string; digest: `sha256:${string}`; size: number }[] = [];
  for (const name of await checkpointInputFiles(dir)) {
    const d = await digestFile(path.join(dir, name), cache).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new InputError(error("MS3208", `${ref.path}: ${name} is missing`, { ...ctx.at, hint: "download every file the checkpoint lists" }));
      throw err;
    });
    files.push({ name, digest: d.digest, size: d.size });
  }
  const digest = digestOf({ checkpoint: files });
  if (ref.digest !== undefined && ref.digest !== digest) throw pinMismatch(ref.path, ref.digest, digest, ctx);
  return { source: formatReference(ref), locator: ref.path, digest, size: files.reduce((n, f) => n + f.size, 0), checkpoint: { dir, files } };
}
