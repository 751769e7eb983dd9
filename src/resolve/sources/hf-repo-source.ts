import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../../diagnostics/errors.js";
import { withActivity } from "../../progress/activity.js";
import { downloadBlob } from "../../registry/download.js";
import { downloadAndHash } from "../../registry/download-file.js";
import { hubFor, listRepoTree, resolveUrl, revisionCommit, type Hub, type TreeFile } from "../../registry/hf-hub.js";
import { checkpointIndex, isCheckpointPin, selectRepoFiles, shardsOfIndex, sortFiles, type PinnedFile } from "../checkpoint.js";
import { formatReference } from "../format-reference.js";
import { parseReference } from "../reference.js";
import type { HfRepoReference } from "../reference-types.js";
import { pinMismatch } from "./file-source.js";
import { blobInStore, type Pin, type SourceContext } from "./pin.js";

/**
 * A whole Hugging Face repository (`hf://org/repo[@rev]`). Resolving names
 * the commit the revision points at now (the revision API), lists the
 * repository's files at that commit (the tree API, every page), and picks
 * what the build needs (checkpoint.ts: a safetensors checkpoint, or the one
 * GGUF file). LFS files are pinned by the sha256 and size the listing gives,
 * without downloading them; files kept in git itself (config.json and the
 * like, which the listing names only by git oid) are downloaded and hashed,
 * once per commit, as are the weights index (to learn its shards).
 *
 * The pin's locator is `hf://org/repo@<commit>` and its `files` every picked
 * file's path, sha256 and size; its digest is the GGUF file's, or the
 * checkpoint index's (a small blob this source also stores). Fetching
 * downloads each file from its resolve URL at the locked commit (downloadBlob:
 * resumable after a kill, parallel ranges, verified before it enters the
 * store), so a moved branch never changes a locked build.
 */
export const hfRepoSource = {
  async resolve(ref: HfRepoReference, ctx: SourceContext): Promise<Pin> {
    const source = formatReference(ref);
    const hub = hubFor(source, ctx.at);
    const repoId = `${ref.org}/${ref.repo}`;
    const commit = await revisionCommit(hub, repoId, ref.revision);
    const listing = await listRepoTree(hub, repoId, commit);
    const byPath = new Map(listing.map((f) => [f.path, f]));
    const picked = selectRepoFiles(listing, source);
    if (picked.kind === "problem") throw new InputError(error(picked.code, picked.message, { ...ctx.at, hint: picked.hint }));
    const locator = formatReference({ ...ref, revision: commit, digest: undefined });
    const pinOf = (f: TreeFile) => pinFile(f, { hub, repoId, commit, source, ctx, gguf: picked.kind === "gguf" });
    if (picked.kind === "gguf") {
      const file = await pinOf(byPath.get(picked.file)!);
      if (ref.digest !== undefined && ref.digest !== file.digest) throw pinMismatch(source, ref.digest, file.digest, ctx);
      return { source, locator, digest: file.digest, size: file.size, files: [file] };
    }
    const files: PinnedFile[] = [];
    for (const p of picked.files) files.push(await pinOf(byPath.get(p)!));
    if (picked.index !== undefined) {
      const index = files.find((f) => f.path === picked.index)!;
      if (!(await blobInStore(index, ctx))) await fetchFile(index, { hub, repoId, commit, source, ctx });
      const read = shardsOfIndex((await ctx.store.readBlob(index.digest)).toString("utf8"), new Set(byPath.keys()), source);
      if ("problem" in read) throw new InputError(error("MS4403", read.problem, { ...ctx.at, hint: "use a revision whose model.safetensors.index.json and shards agree" }));
      for (const s of read.shards) files.push(await pinOf(byPath.get(s)!));
    }
    const blob = await ctx.store.putBlobFromBuffer(checkpointIndex(files));
    if (ref.digest !== undefined && ref.digest !== blob.digest) throw pinMismatch(source, ref.digest, blob.digest, ctx);
    return { source, locator, digest: blob.digest, size: blob.size, files: sortFiles(files) };
  },

  /**
   * Puts every file of the pin in the store (each checked, a corrupt one
   * fetched again), then the checkpoint index. Under --offline nothing is
   * asked of the network: a missing file is MS5203.
   */
  async fetch(pin: Pin, ctx: SourceContext): Promise<void> {
    const ref = parseReference(pin.locator).reference as HfRepoReference;
    const repoId = `${ref.org}/${ref.repo}`;
    const files = pin.files ?? [];
    const missing: PinnedFile[] = [];
    for (const f of files) if (!(await blobInStore(f, ctx))) missing.push(f);
    if (missing.length && ctx.offline) {
      const f = missing[0]!;
      throw new EnvironmentError(error("MS5203", `${pin.source} is pinned in models.lock, but its file ${f.path} (${f.digest}) is not in the store${missing.length > 1 ? `, nor ${missing.length - 1} more` : ""}, and --offline refuses the network`, { ...ctx.at, hint: "build once without --offline to fetch it" }));
    }
    if (missing.length) {
      const hub = hubFor(pin.source, ctx.at);
      for (const f of missing) await fetchFile(f, { hub, repoId, commit: ref.revision, source: pin.source, ctx });
    }
    if (isCheckpointPin({ digest: pin.digest, files }) && !(await blobInStore(pin, ctx))) {
      // The index is made from the files, so it needs no network.
      const blob = await ctx.store.putBlobFromBuffer(checkpointIndex(files));
      if (blob.digest !== pin.digest) throw new EnvironmentError(error("MS4400", `the files models.lock lists for ${pin.source} do not make its digest ${pin.digest}`, { ...ctx.at, hint: "regenerate the lock with `modelsmith lock --update`" }));
    }
  },
};

interface FileContext {
  hub: Hub;
  repoId: string;
  commit: string;
  source: string;
  ctx: SourceContext;
}

/** A listed file's pin: an LFS file's from the listing; a git file's by downloading and hashing it (at a commit, so once). */
async function pinFile(f: TreeFile, o: FileContext & { gguf: boolean }): Promise<PinnedFile> {
  if (f.digest !== undefined) return { path: f.path, digest: f.digest, size: f.size };
  const url = resolveUrl(o.hub, o.repoId, o.commit, f.path);
  const what = `${o.source} ${f.path}`;
  const blob = await withActivity(o.ctx.activity, `download ${what}`, "bytes", (onProgress) =>
    downloadAndHash({ url, headers: o.hub.headers, store: o.ctx.store, what, at: o.ctx.at, immutable: true, gguf: o.gguf, onProgress }),
  );
  if (blob.size !== f.size) {
    throw new EnvironmentError(error("MS5645", `the Hub listed ${f.path} of ${o.repoId}@${o.commit.slice(0, 12)} with ${f.size} bytes, but sent ${blob.size}`, { ...o.ctx.at, hint: "run again later; check HF_ENDPOINT" }));
  }
  return { path: f.path, ...blob };
}

/** Downloads one pinned file from its resolve URL at the commit; verified against its sha256 before it enters the store. */
async function fetchFile(f: PinnedFile, o: FileContext): Promise<void> {
  const url = resolveUrl(o.hub, o.repoId, o.commit, f.path);
  const what = `${o.source} ${f.path}`;
  await withActivity(o.ctx.activity, `download ${what}`, "bytes", (onProgress) => downloadBlob({ url, headers: o.hub.headers, digest: f.digest, size: f.size, store: o.ctx.store, what, onProgress }));
}
