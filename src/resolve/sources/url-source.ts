import { fetchWithDeadline, httpLimits } from "../../registry/http.js";
import { downloadBlob } from "../../registry/download.js";
import { downloadAndHash } from "../../registry/download-file.js";
import { formatReference } from "../format-reference.js";
import { parseReference } from "../reference.js";
import type { UrlReference } from "../reference-types.js";
import { blobInStore, type Source } from "./pin.js";

/**
 * A plain download (`https://…/x.gguf[#sha256=…]`; http only for loopback
 * hosts, which the parser enforces). Pinned by `#sha256=`, resolving costs one
 * HEAD for the size and fetching is downloadBlob (resumable, parallel ranges,
 * verified). Unpinned, resolving downloads the file (resumable, hashed as it
 * is written, GGUF magic checked) into the store and pins the digest it has;
 * the same URL with the same ETag is not downloaded again. The locator is the
 * URL with `#sha256=` of the bytes, so the lock names exactly those.
 */
export const urlSource: Source<UrlReference> = {
  async resolve(ref, ctx) {
    const source = formatReference(ref);
    if (ref.digest !== undefined) {
      const size = await contentLength(ref.url);
      if (size !== undefined) return { source, locator: source, digest: ref.digest, size };
    }
    const blob = await downloadAndHash({ url: ref.url, store: ctx.store, what: source, at: ctx.at, ...(ref.digest ? { expectedDigest: ref.digest } : {}) });
    return { source, locator: formatReference({ ...ref, digest: blob.digest }), ...blob };
  },
  async fetch(pin, ctx) {
    if (await blobInStore(pin, ctx)) return;
    const ref = parseReference(pin.locator).reference as UrlReference;
    await downloadBlob({ url: ref.url, digest: pin.digest, size: pin.size, store: ctx.store, what: pin.source });
  },
};

/** The size a HEAD reports, or undefined when the server does not say (then the file is downloaded to learn it). */
async function contentLength(url: string): Promise<number | undefined> {
  try {
    const res = await fetchWithDeadline(url, { method: "HEAD", headers: { "Accept-Encoding": "identity" }, redirect: "follow" }, httpLimits());
    await res.body?.cancel();
    const n = Number(res.headers.get("content-length") ?? NaN);
    return res.ok && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
