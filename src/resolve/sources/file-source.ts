import { open } from "node:fs/promises";
import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../../diagnostics/errors.js";
import { digestFile } from "../../store/hash-file.js";
import { StatCache } from "../../store/stat-cache.js";
import { formatReference } from "../format-reference.js";
import type { FileReference } from "../reference-types.js";
import type { Pin, Source, SourceContext } from "./pin.js";

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
    await requireGguf(file, ref.path, ctx);
    const { digest, size } = await digestFile(file, new StatCache(ctx.store.layout.statCacheFile));
    if (ref.digest !== undefined && ref.digest !== digest) throw pinMismatch(ref.path, ref.digest, digest, ctx);
    return { source: formatReference(ref), locator: ref.path, digest, size };
  },
  async fetch(pin, ctx) {
    if (await ctx.store.hasBlob(pin.digest)) return;
    await ctx.store.ingestFile(localPath(pin.locator, ctx), { expectedDigest: pin.digest });
  },
};

/** The absolute path of a project-relative, absolute or `~/` path. */
export function localPath(p: string, ctx: Pick<SourceContext, "projectRoot" | "home">): string {
  if (p.startsWith("~/")) return path.join(ctx.home, p.slice(2));
  return path.resolve(ctx.projectRoot, p);
}

/** InputError MS4006 when `file` is missing, MS3001 when it does not start with the GGUF magic. */
export async function requireGguf(file: string, shown: string, ctx: SourceContext): Promise<void> {
  let head: Buffer;
  try {
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
    if (code === "EISDIR") throw new InputError(error("MS3001", `${shown} is a directory, not a GGUF file`, ctx.at));
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
