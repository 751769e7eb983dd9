import type { SourceRange } from "../../diagnostics/diagnostic.js";
import type { Store } from "../../store/store.js";
import type { Sha256Digest } from "../reference-types.js";

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
}

/** One scheme's resolver: `resolve` pins a reference (it may put the blob in the store on the way), `fetch` makes sure the pinned blob is in the store. */
export interface Source<R> {
  resolve(ref: R, ctx: SourceContext): Promise<Pin>;
  fetch(pin: Pin, ctx: SourceContext): Promise<void>;
}
