import { open, stat } from "node:fs/promises";
import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../../diagnostics/errors.js";
import { digestFile } from "../../store/hash-file.js";
import { isRefusedFile, refusedFileCode, requireRegularFile } from "../../fsutil/read-regular.js";
import { StatCache } from "../../store/stat-cache.js";
import { formatReference } from "../format-reference.js";
import type { FileReference, Sha256Digest } from "../reference-types.js";
import { blobInStore, type Pin, type Source, type SourceContext } from "./pin.js";
import { isCheckpointDir, resolveCheckpoint } from "./checkpoint-source.js";
import { resolvePeft } from "./peft-source.js";
import { isPeftDir } from "../../convert/peft-adapter.js";
import { digestOf } from "../../lock/canonical-json.js";
import { readGgufFile } from "../../gguf/reader.js";
import { looksLikeSplitPart, readSplitSet, splitCountOf } from "../../gguf/split.js";

/**
 * Local GGUF files. The reference's path must already be rebased to the
 * project root (rebaseLocalPath), so that the lock keys a file the same way
 * from every Modelfile; the locator is that path without a pin. The digest is
 * the file's sha256, taken from the store's stat cache when the file is
 * unchanged (no hashing on a no-op rebuild). Fetching ingests the file by
 * hardlink (see Store.ingestFile), checked against the pinned digest.
 */
export const fileSource: Source<FileReference> = {
  async resolve(ref, ctx) {
    const file = localPath(ref.path, ctx);
    // On an ADAPTER line adapter_config.json wins over a config.json beside it (the base's, which PEFT folders often carry).
    if (ctx.notBase && isPeftDir(file)) return resolvePeft(ref, ctx);
    if (await isCheckpointDir(file)) return resolveCheckpoint(ref, ctx);
    if (isPeftDir(file)) return resolvePeft(ref, ctx); // an ADAPTER line's: precheck refuses one on FROM (MS3326)
    await requireGguf(file, ref.path, ctx);
    if (looksLikeSplitPart(file)) {
      const split = await resolveSplit(ref, file, ctx);
      if (split) return split;
    }
    const { digest, size } = await fileDigest(file, ctx);
    if (ref.digest !== undefined && ref.digest !== digest) throw pinMismatch(ref.path, ref.digest, digest, ctx);
    return { source: formatReference(ref), locator: ref.path, digest, size };
  },
  async fetch(pin, ctx) {
    if (pin.checkpoint || pin.peft || pin.split) return; // converted (joined) by the build's convert step
    if (await blobInStore(pin, ctx)) return;
    await ctx.store.ingestFile(localPath(pin.locator, ctx), { expectedDigest: pin.digest });
  },
};

/**
 * A part of a split GGUF set (a file named as llama-gguf-split names them,
 * whose header says `split.count` > 1): the set is checked (src/gguf/split.ts)
 * and pinned by the digest of its parts' names, sha256 and sizes, as a
 * checkpoint folder is; the build joins the parts into one GGUF in a convert
 * step. Undefined for a file that is not a part (a model that happens to be
 * named so).
 */
async function resolveSplit(ref: FileReference, file: string, ctx: SourceContext): Promise<Pin | undefined> {
  const header = await readGgufFile(file);
  if (splitCountOf(header) === undefined) return undefined;
  if (ctx.notBase) throw new InputError(error("MS3341", `${ref.path}: a split GGUF can only be the model of a FROM line, not an adapter or projector`, { ...ctx.at, hint: "join the parts with llama.cpp's `llama-gguf-split --merge` and name the one file" }));
  const set = await readSplitSet(file, header, ref.path, ctx.at);
  const parts: { path: string; digest: Sha256Digest; size: number }[] = [];
  for (const part of set.parts) {
    const d = await fileDigest(part, ctx);
    parts.push({ path: part, digest: d.digest, size: d.size });
  }
  const digest = digestOf({ split: parts.map((p) => ({ name: path.basename(p.path), digest: p.digest, size: p.size })) });
  if (ref.digest !== undefined && ref.digest !== digest) throw pinMismatch(ref.path, ref.digest, digest, ctx);
  return { source: formatReference(ref), locator: ref.path, digest, size: parts.reduce((n, p) => n + p.size, 0), split: { parts } };
}

/**
 * The file's digest, from the stat cache when its size, mtime and inode are
 * unchanged. When the file is also the store's blob of that digest
 * (hardlinked), the blob's own check (Store.checkBlob, which also watches
 * ctime) vouches for the cached digest: a file written in place whose size
 * and mtime were then restored (`cp -p`, `touch -r`) fools the stat cache,
 * not the blob check. Then the blob is removed (warning MS5111) and the file
 * re-hashed, so the old digest is never used for the new bytes.
 */
async function fileDigest(file: string, ctx: SourceContext): Promise<{ digest: Sha256Digest; size: number }> {
  const cache = new StatCache(ctx.store.layout.statCacheFile);
  const d = await digestFile(file, cache);
  if (!d.cached) return d;
  const blob = await stat(ctx.store.blobPath(d.digest), { bigint: true }).catch(() => undefined);
  if (blob?.ino !== d.stat.ino || blob.dev !== d.stat.dev) return d;
  if (await blobInStore(d, ctx)) return d;
  const hashedAtNs = BigInt(Date.now()) * 1_000_000n;
  const fresh = await digestFile(file);
  await cache.record(file, fresh.stat, fresh.digest, hashedAtNs);
  return fresh;
}

/** The absolute path of a project-relative, absolute or `~/` path. */
export function localPath(p: string, ctx: Pick<SourceContext, "projectRoot" | "home">): string {
  if (p.startsWith("~/")) return path.join(ctx.home, p.slice(2));
  return path.resolve(ctx.projectRoot, p);
}

/**
 * InputError MS4006 when `file` is missing, MS3001 when it does not start with
 * the GGUF magic. `orCheckpoint` (FROM) also takes a Hugging Face checkpoint
 * folder, `orPeft` (ADAPTER) a PEFT LoRA adapter folder.
 */
export async function requireGguf(file: string, shown: string, ctx: SourceContext, opts: { orCheckpoint?: boolean; orPeft?: boolean } = {}): Promise<void> {
  if (opts.orCheckpoint && (await isCheckpointDir(file))) return;
  if (opts.orPeft && isPeftDir(file)) return;
  let head: Buffer;
  try {
    await requireRegularFile(file);
    const fh = await open(file, "r");
    try {
      head = Buffer.alloc(4);
      const { bytesRead } = await fh.read(head, 0, 4, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(error("MS4006", `model file not found: ${shown}`, { ...ctx.at, hint: `looked for ${file}; paths are relative to the Modelfile` }));
    if (code === "EISDIR" && isPeftDir(file)) {
      throw new InputError(error("MS3326", `${shown} is a PEFT LoRA adapter folder, not a model`, { ...ctx.at, hint: `put it on an ADAPTER line (ADAPTER ${shown}) and FROM the model it was trained on` }));
    }
    if (code === "EISDIR") throw new InputError(error("MS3001", `${shown} is a directory, not a GGUF file${opts.orCheckpoint ? " nor a Hugging Face checkpoint (config.json and *.safetensors)" : ""}`, ctx.at));
    if (isRefusedFile(cause)) throw new InputError(error(refusedFileCode(cause), `cannot read ${shown}: ${cause.message}`, ctx.at));
    throw new EnvironmentError(error("MS5209", `cannot read ${shown}: ${(cause as Error).message}`, ctx.at));
  }
  if (!head.equals(Buffer.from("GGUF"))) {
    throw new InputError(error("MS3001", `${shown} is not a GGUF file (it does not start with "GGUF")`, { ...ctx.at, hint: "convert safetensors to GGUF with llama.cpp's convert_hf_to_gguf.py first" }));
  }
}

export function pinMismatch(what: string, pinned: string, actual: string, ctx: SourceContext): InputError {
  return new InputError(error("MS5205", `${what} is pinned to ${pinned}, but its bytes have digest ${actual}`, { ...ctx.at, hint: "pin the new digest, or restore the file the pin names" }));
}

export type { Pin };
