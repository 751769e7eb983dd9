import type { Diagnostic, SourceRange } from "../../diagnostics/diagnostic.js";
import { corruptBlobWarning } from "../../store/blob-check.js";
import type { Store } from "../../store/store.js";
import type { ActivityReporter } from "../../progress/activity.js";
import type { Sha256Digest } from "../reference-types.js";
import type { PinnedFile } from "../checkpoint.js";

/**
 * What a base reference resolved to: the entry models.lock keeps for it.
 * Invariant: `digest` and `size` are those of the GGUF bytes that `fetch`
 * puts in the store; fetching the same pin twice gives the same blob.
 */
export interface Pin {
  /** Canonical reference text (formatReference), the lock's key. */
  source: string;
  /** Immutable locator, itself a canonical reference of the same kind. */
  locator: string;
  digest: Sha256Digest;
  size: number;
  /**
   * A registry base's other layers (TEMPLATE, SYSTEM, params, LICENSE,
   * MESSAGEs, adapters, projector…), in manifest order: a model built FROM it
   * inherits them, as Ollama's create does. Absent when there are none (files,
   * test models, a manifest with only its model layer). `fetch` puts them in
   * the store too.
   */
  layers?: PinnedLayer[];
  /**
   * A whole Hugging Face repository's files (`hf://org/repo@rev`), sorted by
   * path; `digest` is then the one GGUF file's, or the checkpoint index's
   * (checkpoint.ts), a blob `fetch` also puts in the store. Absent otherwise.
   */
  files?: PinnedFile[];
  /**
   * A Hugging Face checkpoint folder (checkpoint-source.ts): then `digest` and
   * `size` are those of its file list, not of a GGUF; the build converts it in
   * a convert step. models.lock keeps the list's digest.
   */
  checkpoint?: { dir: string; files: { name: string; digest: Sha256Digest; size: number }[] };
  /**
   * A PEFT LoRA adapter folder on an ADAPTER line (peft-source.ts): `digest`
   * and `size` are those of its file list; the build converts it against its
   * base in a convert step. models.lock keeps the list's digest.
   */
  peft?: { dir: string; files: { name: string; digest: Sha256Digest; size: number }[] };
  /**
   * A split GGUF set (`FROM ./model-00001-of-00003.gguf`, src/gguf/split.ts):
   * `digest` and `size` are those of its parts' list (absolute paths, in
   * order, with their sha256 and size); the build joins them into one GGUF
   * in a convert step, as Ollama's create does. models.lock keeps the list's digest.
   */
  split?: { parts: { path: string; digest: Sha256Digest; size: number }[] };
}

/** One inherited layer of a pinned registry manifest. */
export interface PinnedLayer {
  mediaType: string;
  digest: Sha256Digest;
  size: number;
}

/** What a source needs to resolve and fetch: where paths are relative to, the store, and where the reference is written. */
export interface SourceContext {
  store: Store;
  /** Absolute directory of the project file; locators of local files are relative to it. */
  projectRoot: string;
  /** The user's home directory, for `~/` paths. */
  home: string;
  /** Refuse sources that need the network. */
  offline: boolean;
  /** Where the reference is written (the FROM or ADAPTER line), for diagnostics. */
  at: { file?: string; range?: SourceRange };
  /**
   * The reference is not a model's base (an ADAPTER line, or a projector's
   * later FROM): a folder with adapter_config.json is then a PEFT adapter even
   * when it also holds a config.json (PEFT folders often carry the base's).
   */
  notBase?: boolean;
  /** Receives what the user should know although nothing failed (a corrupt blob made again); default: dropped. */
  warn?: (d: Diagnostic) => void;
  /** Hears of downloads and generated test models as they go (progress output); default none. */
  activity?: ActivityReporter;
}

/**
 * One scheme's resolver: `resolve` pins a reference (it may put the blob in
 * the store on the way), `fetch` makes sure the pinned blob is in the store
 * and intact (`blobInStore`): a corrupt one is removed and fetched again.
 */
export interface Source<R> {
  resolve(ref: R, ctx: SourceContext): Promise<Pin>;
  fetch(pin: Pin, ctx: SourceContext): Promise<void>;
}

/**
 * True when the pinned blob is in the store and passes the store's cheap
 * check (size, and content when its stat moved: Store.checkBlob); a corrupt
 * blob is removed (warning MS5111 to `ctx.warn`) and false returned, so the
 * source puts it there again.
 */
export async function blobInStore(pin: Pick<Pin, "digest" | "size">, ctx: Pick<SourceContext, "store" | "warn">): Promise<boolean> {
  const c = await ctx.store.checkBlob(pin.digest, pin.size);
  if (c.status === "corrupt") ctx.warn?.(corruptBlobWarning(pin.digest, c, ctx.store.blobPath(pin.digest)));
  return c.status === "ok";
}
