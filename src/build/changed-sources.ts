import { stat } from "node:fs/promises";
import { warning, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import type { Lock } from "../lock/lock.js";
import { formatReference } from "../resolve/format-reference.js";
import type { FileReference } from "../resolve/reference-types.js";
import { localPath } from "../resolve/sources/file-source.js";
import type { Pin, SourceContext } from "../resolve/sources/pin.js";

/**
 * Says what happened when a local base file (an unpinned `FROM ./x.gguf`)
 * no longer has the bytes models.lock records for it: warning MS5210 at its
 * FROM line, with the old and new digests (the build goes on from the new
 * bytes; the stat cache missed, so the file was re-hashed).
 *
 * The file may have been the store's blob of the old digest (ingested by
 * hardlink) and written in place (after a chmod, or by root): then that blob
 * holds the new bytes under the old name. It is removed here, without
 * hashing anything (it is the very file just hashed), and the warning says so;
 * models still built from the old bytes lose them (`verify` lists them). An
 * editor that wrote a new file and renamed it left the blob intact: it stays.
 */
export async function noticeChangedFiles(
  refs: readonly { ref: FileReference; at: { file?: string; range?: SourceRange } }[],
  pins: ReadonlyMap<string, Pin>,
  lock: Lock | undefined,
  ctx: Pick<SourceContext, "store" | "projectRoot" | "home">,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const { ref, at } of refs) {
    const key = formatReference(ref);
    const pin = pins.get(key);
    const locked = lock && Object.hasOwn(lock.references, key) ? lock.references[key] : undefined;
    if (!pin || !locked || locked.digest === pin.digest || seen.has(key)) continue;
    seen.add(key);
    const file = localPath(ref.path, ctx);
    const [source, blob] = await Promise.all([stat(file, { bigint: true }).catch(() => undefined), stat(ctx.store.blobPath(locked.digest), { bigint: true }).catch(() => undefined)]);
    const sameFile = source !== undefined && blob !== undefined && source.ino === blob.ino && source.dev === blob.dev;
    if (sameFile) await ctx.store.discardBlob(locked.digest, blob.ino);
    out.push(
      warning("MS5210", `${ref.path} changed since models.lock was written: its bytes now have digest ${pin.digest} (models.lock: ${locked.digest}); building from the new bytes`, {
        ...at,
        hint: sameFile
          ? `it was written in place while it was the store's blob of ${locked.digest} (hardlinked), so that blob was removed; write model files to a new name and rename them over, or pin the file (FROM ${ref.path}@sha256:…) to make a change an error`
          : `pin the file (FROM ${ref.path}@sha256:…) to make a change an error`,
      }),
    );
  }
  return out;
}
