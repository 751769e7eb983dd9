/**
 * What a whole Hugging Face repository (`hf://org/repo[@rev]`) contributes to
 * a build, decided from its file listing alone (pure: no disk, no network).
 *
 * - A **checkpoint**, as transformers loads one: `config.json` and the
 *   safetensors weights, either `model.safetensors.index.json` and the shards
 *   its `weight_map` names, or a single `model.safetensors` (transformers'
 *   SAFE_WEIGHTS_INDEX_NAME and SAFE_WEIGHTS_NAME, in that order), plus a
 *   tokenizer (`tokenizer.json` and/or `tokenizer.model`) and the small files
 *   beside them that llama.cpp's converter reads when present (CHECKPOINT_EXTRAS).
 *   Other files (README, `*.bin`, `consolidated.safetensors`, ONNX exports,
 *   other folders) are never downloaded.
 * - Otherwise a **GGUF repository**: exactly one `.gguf` file anywhere in it.
 *   Several are an error that lists them (name one: `hf://org/repo/<file>`).
 */
import { canonicalJSON } from "../lock/canonical-json.js";
import type { Sha256Digest } from "./reference-types.js";

/** One file of a locked repository: its path in the repository, sha256 and size at the locked commit. */
export interface PinnedFile {
  path: string;
  digest: Sha256Digest;
  size: number;
}

/** A file the Hub lists: path and size (the LFS object's size for an LFS file). */
export interface ListedFile {
  path: string;
  size: number;
}

export const CONFIG_FILE = "config.json";
export const WEIGHTS_INDEX_FILE = "model.safetensors.index.json";
export const WEIGHTS_FILE = "model.safetensors";
export const TOKENIZER_FILES = ["tokenizer.json", "tokenizer.model"] as const;
/** Read by the conversion when present: generation defaults, the tokenizer's config, added and special tokens, BPE vocabularies, the chat template. */
export const CHECKPOINT_EXTRAS = [
  "generation_config.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "merges.txt",
  "chat_template.json",
  "chat_template.jinja",
] as const;

/** What the listing says to fetch, before the index is read. */
export type RepoSelection =
  | { kind: "checkpoint"; files: string[]; index?: string }
  | { kind: "gguf"; file: string }
  | { kind: "problem"; code: "MS4401" | "MS4402" | "MS4403"; message: string; hint: string };

/**
 * Picks the files of a repository from its listing. For a sharded checkpoint
 * `files` holds everything but the shards, and `index` names the index file:
 * the caller reads it and adds its shards (shardsOfIndex).
 */
export function selectRepoFiles(listing: readonly ListedFile[], what: string): RepoSelection {
  const paths = new Set(listing.map((f) => f.path));
  const root = (p: string) => paths.has(p);
  const weights = root(WEIGHTS_INDEX_FILE) ? WEIGHTS_INDEX_FILE : root(WEIGHTS_FILE) ? WEIGHTS_FILE : undefined;
  if (root(CONFIG_FILE) && weights !== undefined) {
    const tokenizers = TOKENIZER_FILES.filter(root);
    if (tokenizers.length === 0) {
      return { kind: "problem", code: "MS4403", message: `${what} is a safetensors checkpoint without a tokenizer: it has neither tokenizer.json nor tokenizer.model`, hint: "use a repository (or revision) that ships its tokenizer; a fine-tune's base repository usually has it" };
    }
    const files = [CONFIG_FILE, ...tokenizers, ...CHECKPOINT_EXTRAS.filter(root)];
    return weights === WEIGHTS_INDEX_FILE ? { kind: "checkpoint", files: [...files, WEIGHTS_INDEX_FILE].sort(), index: WEIGHTS_INDEX_FILE } : { kind: "checkpoint", files: [...files, WEIGHTS_FILE].sort() };
  }
  const ggufs = listing.map((f) => f.path).filter((p) => /\.gguf$/i.test(p)).sort();
  if (ggufs.length === 1) return { kind: "gguf", file: ggufs[0]! };
  if (ggufs.length > 1) {
    const shown = ggufs.slice(0, 12).join(", ") + (ggufs.length > 12 ? `, … (${ggufs.length} in all)` : "");
    return { kind: "problem", code: "MS4402", message: `${what} holds ${ggufs.length} GGUF files: ${shown}`, hint: `name the one you mean: \`hf://<org>/<repo>/<file>\`, e.g. \`${what.replace(/@[^@]*$/, "")}/${ggufs[0]}\`` };
  }
  if (root(CONFIG_FILE)) {
    const other = listing.map((f) => f.path).filter((p) => /\.(bin|pt|pth|ckpt|h5|msgpack|onnx)$/i.test(p) || /\.safetensors$/i.test(p));
    return {
      kind: "problem",
      code: "MS4403",
      message: `${what} has config.json but no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}${other.length ? ` (it has ${other.slice(0, 6).join(", ")}${other.length > 6 ? ", …" : ""})` : ""}`,
      hint: "modelsmith converts safetensors checkpoints as transformers saves them; use a revision or repository that has model.safetensors",
    };
  }
  const shown = listing.slice(0, 8).map((f) => f.path).join(", ");
  return { kind: "problem", code: "MS4401", message: `${what} holds neither a safetensors checkpoint (config.json and model.safetensors) nor a GGUF file${listing.length ? `; it has ${shown}${listing.length > 8 ? ", …" : ""}` : "; it is empty"}`, hint: "point FROM at a model repository, or at one file in it: `hf://<org>/<repo>/<file>.gguf`" };
}

/**
 * The shard files a `model.safetensors.index.json` names (the distinct values
 * of its `weight_map`), sorted; a problem when it is not such an index, or a
 * shard is not a plain file name of the repository's root.
 */
export function shardsOfIndex(text: string, listed: ReadonlySet<string>, what: string): { shards: string[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `${WEIGHTS_INDEX_FILE} of ${what} is not JSON: ${(err as Error).message}` };
  }
  const map = (value as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map)) return { problem: `${WEIGHTS_INDEX_FILE} of ${what} has no \`weight_map\` object` };
  const shards = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = shards.find((s) => typeof s !== "string" || !/^[^/\\]+\.safetensors$/.test(s) || s.startsWith("."));
  if (bad !== undefined) return { problem: `${WEIGHTS_INDEX_FILE} of ${what} maps a tensor to ${JSON.stringify(bad)}, not a .safetensors file beside it` };
  if (shards.length === 0) return { problem: `${WEIGHTS_INDEX_FILE} of ${what} maps no tensor` };
  const missing = (shards as string[]).filter((s) => !listed.has(s));
  if (missing.length) return { problem: `${WEIGHTS_INDEX_FILE} of ${what} names ${missing.join(", ")}, which the repository does not have` };
  return { shards: (shards as string[]).sort() };
}

/**
 * The checkpoint index: the files as canonical JSON (`{"files":[{digest,path,size}…]}`,
 * sorted by path). Its sha256 is the pin's digest for a checkpoint (kept as a
 * blob in the store), so that one digest names every byte of the checkpoint:
 * a build step keyed by it (the conversion) changes exactly when a file does.
 */
export function checkpointIndex(files: readonly PinnedFile[]): string {
  return canonicalJSON({ files: sortFiles(files).map((f) => ({ digest: f.digest, path: f.path, size: f.size })) });
}

export function sortFiles<F extends { path: string }>(files: readonly F[]): F[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * True when a locked repository pin is a checkpoint (its digest is the
 * checkpoint index's), false when it is a GGUF repository (its digest is its
 * one file's) or not a repository pin at all.
 */
export function isCheckpointPin(pin: { digest: Sha256Digest; files?: readonly PinnedFile[] }): boolean {
  return pin.files !== undefined && !(pin.files.length === 1 && pin.files[0]!.digest === pin.digest);
}

/** A path a repository file may have in a materialised directory: relative, `/`-separated, no empty, `.` or `..` segment. */
export function isSafeRepoPath(p: string): boolean {
  return p.length > 0 && !p.startsWith("/") && !p.includes("\\") && !p.includes("\0") && p.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}
