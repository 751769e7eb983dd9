import { createHash } from "node:crypto";
import { error, InputError } from "../diagnostics/index.js";

/**
 * Content digests. The canonical form is `sha256:` + 64 lower-case hex digits
 * (OCI's); a blob's file name is the same with `-` for `:` (`sha256-<hex>`,
 * Ollama's layout, since `:` is not allowed in Windows file names). Parsing
 * accepts either separator and upper-case hex, as Ollama's BlobsPath does, and
 * always returns the canonical form.
 */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256[:-]([0-9a-fA-F]{64})$/;
const BLOB_FILE_RE = /^sha256-[0-9a-f]{64}$/;

/** The canonical digest `s` denotes, or undefined when it is not one. */
export function tryParseDigest(s: string): Digest | undefined {
  const m = DIGEST_RE.exec(s);
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
}

/** The canonical digest `s` denotes; throws InputError MS5103 otherwise. */
export function parseDigest(s: string): Digest {
  const d = tryParseDigest(s);
  if (d) return d;
  throw new InputError(error("MS5103", `invalid digest ${JSON.stringify(s)}`, { hint: "a digest is sha256: followed by 64 hex digits" }));
}

/** The 64 hex digits of a canonical digest. */
export function digestHex(d: Digest): string {
  return d.slice("sha256:".length);
}

/** `sha256-<hex>`: the file name of the blob with digest `d` under `blobs/`. */
export function blobFileName(d: Digest): string {
  return `sha256-${digestHex(d)}`;
}

/** The digest a file under `blobs/` holds by its name, or undefined for any other file (temp files, Ollama's partial downloads). */
export function digestFromBlobFileName(name: string): Digest | undefined {
  return BLOB_FILE_RE.test(name) ? `sha256:${name.slice("sha256-".length)}` : undefined;
}

/** sha256 of `data`, as a canonical digest. */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
