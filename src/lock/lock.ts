import type { Sha256Digest } from "../resolve/reference-types.js";

/** The lock file's name, beside modelsmith.yaml. */
export const LOCK_FILE = "models.lock";
export const LOCK_VERSION = 1;

/**
 * What a base reference resolved to. The key it is stored under is the
 * reference's canonical text (formatReference), which is the canonical source.
 */
export interface LockedReference {
  /**
   * The immutable locator, itself a canonical reference of the same kind: an
   * Ollama or OCI reference pinned by its manifest digest (`…@sha256:<hex>`), a
   * Hugging Face file at a 40-hex commit, a URL, a local path or a test model.
   */
  locator: string;
  /** sha256 of the GGUF blob (the model layer of a registry manifest). */
  digest: Sha256Digest;
  /** Size of that blob in bytes. */
  size: number;
  /**
   * A registry base's other layers (media type, digest, size, in manifest
   * order), which a model built FROM it inherits; absent when there are none.
   * Recorded so that `--frozen` and `--offline` know them without the manifest.
   */
  layers?: { mediaType: string; digest: Sha256Digest; size: number }[];
  /**
   * A Hugging Face repository's files (`hf://org/repo@rev`), sorted by path:
   * each one's path in the repository, sha256 and size at the locked commit.
   * `digest` is then the one GGUF file's (a GGUF repository) or the
   * checkpoint index's (checkpointIndex: these files as canonical JSON).
   * Absent for every other kind of reference.
   */
  files?: { path: string; digest: Sha256Digest; size: number }[];
}

/** One built variant (tag) of a model. */
export interface LockedVariant {
  /** digestOf() over every input of the build step: its cache key. */
  inputs: Sha256Digest;
  /** Digest of the manifest the build wrote. */
  manifest: Sha256Digest;
}

/**
 * models.lock in memory. Invariants (parseLock checks them, serializeLock
 * relies on them): reference keys are canonical and not project references;
 * model names follow MODEL_NAME_PATTERN; tags follow TAG_PATTERN.
 *
 *     version: 1
 *     references:
 *       <canonical reference>: {digest, files?, layers?, locator, size}
 *     models:
 *       <model>:
 *         <tag>: {inputs, manifest}
 */
export interface Lock {
  version: typeof LOCK_VERSION;
  references: Record<string, LockedReference>;
  models: Record<string, Record<string, LockedVariant>>;
}

export function emptyLock(): Lock {
  return { version: LOCK_VERSION, references: {}, models: {} };
}
