import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { EnvironmentError, error } from "../diagnostics/index.js";
import { parseDigest, type Digest } from "./digest.js";
import { storeWriteError } from "./io-error.js";
import type { StoreLayout } from "./layout.js";
import { checkExpected, commitBlob, removeQuietly, tempPath } from "./temp-file.js";

export interface PutBlobOptions {
  /** The digest the content must have (`sha256:<hex>`); a mismatch stores nothing and throws MS5104. */
  expectedDigest?: string;
  /** The size the content must have; more bytes abort the write as soon as they arrive. */
  expectedSize?: number;
}

export interface PutBlobResult {
  digest: Digest;
  size: number;
  /** True when the store already held this blob (nothing new was written). */
  existed: boolean;
}

/**
 * Streams `source` into the store: bytes go to a temp file under `tmp/` and
 * through sha256 at once, the file is fsynced, checked against the expected
 * digest and size, then renamed to `blobs/sha256-<hex>`. Invariant: when this
 * throws, nothing it wrote is left behind, and a blob path only ever holds
 * complete content with that digest. Safe without the store lock: two writers
 * of one digest rename identical bytes.
 */
export async function putBlobFromStream(layout: StoreLayout, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: PutBlobOptions = {}): Promise<PutBlobResult> {
  const expected = { digest: options.expectedDigest === undefined ? undefined : parseDigest(options.expectedDigest), size: options.expectedSize };
  const tmp = await tempPath(layout, "blob").catch((err: unknown) => {
    throw storeWriteError("create a temp file", layout.tmpDir, err);
  });
  let committed = false;
  try {
    const hash = createHash("sha256");
    let size = 0;
    const handle = await open(tmp, "wx", 0o644).catch(asWriteError(tmp));
    try {
      // Errors of the source itself (a dropped connection) pass through as they are;
      // only the store's own file operations become MS5109.
      for await (const chunk of source) {
        size += chunk.length;
        if (expected.size !== undefined && size > expected.size) {
          throw new EnvironmentError(error("MS5104", `content is longer than the expected ${expected.size} bytes${expected.digest ? ` of ${expected.digest}` : ""}`));
        }
        hash.update(chunk);
        await handle.write(chunk).catch(asWriteError(tmp));
      }
      await handle.sync().catch(asWriteError(tmp));
    } finally {
      await handle.close();
    }
    const digest: Digest = `sha256:${hash.digest("hex")}`;
    checkExpected({ digest, size }, expected, "content");
    const existed = await commitBlob(layout, tmp, digest, size);
    committed = true;
    return { digest, size, existed };
  } finally {
    if (!committed) await removeQuietly(tmp).catch(() => {});
  }
}

function asWriteError(file: string): (err: unknown) => never {
  return (err) => {
    throw storeWriteError("write a blob", file, err);
  };
}

/** putBlobFromStream for content already in memory (small layers: template, system, params …). */
export async function putBlobFromBuffer(layout: StoreLayout, data: Uint8Array | string, options: PutBlobOptions = {}): Promise<PutBlobResult> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return putBlobFromStream(layout, [bytes], options);
}
