import { downloadBlob } from "../../registry/download.js";
import { downloadAndHash } from "../../registry/download-file.js";
import { fileAtCommit, hubFor, resolveUrl, revisionCommit } from "../../registry/hf-hub.js";
import { withActivity } from "../../progress/activity.js";
import { formatReference } from "../format-reference.js";
import { parseReference } from "../reference.js";
import type { HfReference } from "../reference-types.js";
import { pinMismatch } from "./file-source.js";
import { blobInStore, type Source } from "./pin.js";

/**
 * One file of a Hugging Face repository (`hf://org/repo/file.gguf@rev`),
 * resolved as huggingface_hub does: the revision API names the commit the
 * revision points at now, a HEAD on the file's resolve URL at that commit
 * gives the LFS object's sha256 and size. The pin's locator is the reference
 * at that commit (`@<sha>`), so a moved branch shows as drift in models.lock
 * and a locked build fetches exactly the bytes it pinned. Resolving an LFS
 * file downloads nothing; a file kept in git itself (no `X-Linked-Etag`) is
 * downloaded and hashed, once per commit. Fetching is downloadBlob from the
 * resolve URL (resumable, parallel ranges, verified); `HF_TOKEN` goes to the
 * Hub only, never to the CDN it redirects to.
 */
export const hfSource: Source<HfReference> = {
  async resolve(ref, ctx) {
    const source = formatReference(ref);
    const hub = hubFor(source, ctx.at);
    const repoId = `${ref.org}/${ref.repo}`;
    const commit = await revisionCommit(hub, repoId, ref.revision);
    const file = await fileAtCommit(hub, repoId, commit, ref.file);
    const blob =
      file.digest !== undefined && file.size !== undefined
        ? { digest: file.digest, size: file.size }
        : await withActivity(ctx.activity, `download ${source}`, "bytes", (onProgress) => downloadAndHash({ url: file.url, headers: hub.headers, store: ctx.store, what: source, at: ctx.at, immutable: true, onProgress }));
    if (ref.digest !== undefined && ref.digest !== blob.digest) throw pinMismatch(source, ref.digest, blob.digest, ctx);
    return { source, locator: formatReference({ ...ref, revision: commit, digest: undefined }), ...blob };
  },
  async fetch(pin, ctx) {
    if (await blobInStore(pin, ctx)) return;
    const ref = parseReference(pin.locator).reference as HfReference;
    const hub = hubFor(pin.source, ctx.at);
    const url = resolveUrl(hub, `${ref.org}/${ref.repo}`, ref.revision, ref.file);
    await withActivity(ctx.activity, `download ${pin.source}`, "bytes", (onProgress) => downloadBlob({ url, headers: hub.headers, digest: pin.digest, size: pin.size, store: ctx.store, what: pin.source, onProgress }));
  },
};
