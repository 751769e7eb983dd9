import { createReadStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Store } from "../store/store.js";
import type { FetchBody, RegistryClient } from "./client.js";
import { isTransient, transient, withRetries } from "./http.js";
import { knownRepositories, rememberBlob } from "./blob-locations.js";

/** How a blob reached the repository: it was there, the registry linked it from another repository, or its bytes were sent. */
export type UploadStatus = "exists" | "mounted" | "uploaded";

export interface BlobUploadOptions {
  store: Store;
  /** Bytes per PATCH (default MODELSMITH_UPLOAD_CHUNK_MB, else 64 MiB); a blob no larger goes in one PUT. */
  chunkSize?: number;
  /** Hears of the bytes sent so far (a retried chunk counts from where the registry says it stands). */
  onProgress?: (sent: number, total: number) => void;
  /** Send the blob even when the repository says it has it (repairing a cache entry whose blob did not verify). */
  force?: boolean;
}

/** The chunk size: MODELSMITH_UPLOAD_CHUNK_MB (MiB, at least 1), else 64 MiB. */
export function uploadChunkSize(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.MODELSMITH_UPLOAD_CHUNK_MB);
  return Number.isFinite(mb) && mb > 0 ? Math.max(1 << 20, Math.floor(mb * (1 << 20))) : 64 << 20;
}

/**
 * Puts one stored blob into the client's repository, as the OCI distribution
 * spec says (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs):
 *
 * 1. HEAD `/blobs/<digest>`: a blob the repository has is not sent again.
 * 2. When another repository of the same registry is known to hold it
 *    (blob-locations.ts: where earlier pushes, pulls and cache fetches saw
 *    it), POST `/blobs/uploads/?mount=<digest>&from=<repo>`: 201 means the
 *    registry linked it, no byte sent; 202 is an ordinary upload session.
 * 3. Otherwise POST `/blobs/uploads/` for a session. A blob up to the chunk
 *    size goes in one PUT `<location>?digest=`; a larger one in PATCHes of
 *    `Content-Range: <start>-<end>`, each to the Location the last answer
 *    gave, then a PUT `?digest=` without a body, where the registry checks
 *    the digest.
 *
 * Retries (http.ts limits, backoff): the session start and the final PUT are
 * tried again when the registry does not answer or answers 429/5xx; a PATCH
 * that fails asks the session where it stands (GET `<location>`, `Range:
 * 0-<last>`) and goes on from there, so a dropped connection costs one
 * chunk, not the blob.
 */
export async function pushBlob(client: RegistryClient, digest: Sha256Digest, size: number, o: BlobUploadOptions): Promise<UploadStatus> {
  const what = `upload of blob ${digest} to ${client.host}/${client.repository}`;
  const head = await client.request(client.url(`blobs/${digest}`), { method: "HEAD", what: `blob ${digest}`, ok: [200, 404] });
  await head.body?.cancel();
  if (head.status === 200 && !o.force) {
    await rememberBlob(o.store, client.host, client.repository, digest);
    return "exists";
  }
  const limits = client.limits;
  const retry = <T>(fn: () => Promise<T>) => withRetries(limits, fn);
  let location: string | undefined;
  for (const from of o.force ? [] : (await knownRepositories(o.store, client.host, digest)).filter((r) => r !== client.repository).slice(0, 3)) {
    const url = new URL(client.url("blobs/uploads/"));
    url.searchParams.set("mount", digest);
    url.searchParams.set("from", from);
    const res = await retry(() => client.request(url.toString(), { method: "POST", what, headers: { "Content-Length": "0" }, ok: [201, 202] }));
    await res.body?.cancel();
    if (res.status === 201) {
      await rememberBlob(o.store, client.host, client.repository, digest);
      return "mounted";
    }
    location = sessionUrl(client, res, what);
    break;
  }
  if (location === undefined) {
    const start = await retry(() => client.request(client.url("blobs/uploads/"), { method: "POST", what, headers: { "Content-Length": "0" }, ok: [202] }));
    await start.body?.cancel();
    location = sessionUrl(client, start, what);
  }
  const file = o.store.blobPath(digest);
  const chunk = o.chunkSize ?? uploadChunkSize();
  const finish = (loc: string, body?: { start: number; end: number }) => {
    const url = new URL(loc);
    url.searchParams.set("digest", digest);
    return retry(async () => {
      const res = await client.request(url.toString(), {
        method: "PUT",
        what,
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(body ? body.end - body.start : 0) },
        ...(body ? { body: () => fileRange(file, body.start, body.end, (n) => o.onProgress?.(body.start + n, size)) } : {}),
        ok: [201, 204],
      });
      await res.body?.cancel();
    });
  };
  if (size <= chunk) {
    await finish(location, { start: 0, end: size });
    o.onProgress?.(size, size);
  } else {
    let offset = 0;
    let loc = location;
    let stuck = 0;
    while (offset < size) {
      const end = Math.min(size, offset + chunk);
      const at = offset;
      try {
        const res = await client.request(loc, {
          method: "PATCH",
          what,
          headers: { "Content-Type": "application/octet-stream", "Content-Range": `${at}-${end - 1}`, "Content-Length": String(end - at) },
          body: () => fileRange(file, at, end, (n) => o.onProgress?.(at + n, size)),
          ok: [202],
        });
        await res.body?.cancel();
        loc = sessionUrl(client, res, what, loc);
        offset = rangeEnd(res) ?? end;
      } catch (err) {
        // Ask the session how much it has, then go on from there (or fail as the PATCH did).
        const status = await retry(async () => {
          const res = await client.request(loc, { method: "GET", what, ok: [204] }).catch((e: unknown) => {
            throw transient(e instanceof Error ? e : new Error(String(e)));
          });
          await res.body?.cancel();
          return res;
        }).catch(() => undefined);
        if (!status) throw err;
        loc = sessionUrl(client, status, what, loc);
        const had = rangeEnd(status) ?? 0;
        // No progress: the error stands unless it is worth another try (timeouts, dropped connections, 5xx), at most `retries` times.
        if (had <= at && (!isTransient(err) || ++stuck > limits.retries)) throw err;
        if (had > at) stuck = 0;
        // Backoff as withRetries waits (http.ts): the first wait, doubled for each try without progress.
        else await sleep(Math.min(30_000, limits.backoffMs * 2 ** (stuck - 1)));
        offset = had;
      }
      o.onProgress?.(offset, size);
    }
    await finish(loc);
  }
  await rememberBlob(o.store, client.host, client.repository, digest);
  return "uploaded";
}

/** Uploads blobs `parallel` at a time (default 3); each one's status in the order given. The first failure stops the rest from starting. */
export async function pushBlobs(
  client: RegistryClient,
  blobs: readonly { digest: Sha256Digest; size: number }[],
  o: BlobUploadOptions & { parallel?: number; onBlob?: (b: { digest: Sha256Digest; size: number; status: UploadStatus }) => void; onBlobProgress?: (digest: Sha256Digest, sent: number, total: number) => void },
): Promise<UploadStatus[]> {
  const out: UploadStatus[] = new Array<UploadStatus>(blobs.length);
  let next = 0;
  let failed: { reason: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < blobs.length) {
      const i = next++;
      const b = blobs[i]!;
      try {
        out[i] = await pushBlob(client, b.digest, b.size, { ...o, onProgress: (sent, total) => o.onBlobProgress?.(b.digest, sent, total) });
        o.onBlob?.({ ...b, status: out[i] });
      } catch (reason) {
        failed ??= { reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel ?? 3, blobs.length)) }, worker));
  if (failed) throw failed.reason;
  return out;
}

/** The absolute URL of an upload session from a response's Location (relative ones resolve against the registry). */
function sessionUrl(client: RegistryClient, res: Response, what: string, fallback?: string): string {
  const location = res.headers.get("location");
  if (!location) {
    if (fallback) return fallback;
    throw new EnvironmentError(error("MS5616", `${client.host} gave no upload location for the ${what}`, { hint: "the registry does not follow the OCI distribution spec for uploads" }));
  }
  return new URL(location, client.base).toString();
}

/** The offset after the last byte a session holds, from its `Range: 0-<last>` header. */
function rangeEnd(res: Response): number | undefined {
  const m = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get("range")?.trim() ?? "");
  return m ? Number(m[1]) + 1 : undefined;
}

/** Bytes [start, end) of a file as a request body, telling `sent` the bytes read so far. */
function fileRange(file: string, start: number, end: number, sent: (n: number) => void): FetchBody {
  let n = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      sent(n);
      cb(null, chunk);
    },
  });
  const stream = end > start ? createReadStream(file, { start, end: end - 1 }).pipe(count) : Readable.from([]);
  return Readable.toWeb(stream) as unknown as FetchBody;
}

/** Puts a small blob held in memory (a cache entry's config): HEAD, then POST and one PUT `?digest=`, retried as pushBlob's are. */
export async function pushBytes(client: RegistryClient, bytes: Buffer, digest: Sha256Digest): Promise<UploadStatus> {
  const what = `upload of blob ${digest} to ${client.host}/${client.repository}`;
  const head = await client.request(client.url(`blobs/${digest}`), { method: "HEAD", what: `blob ${digest}`, ok: [200, 404] });
  await head.body?.cancel();
  if (head.status === 200) return "exists";
  await withRetries(client.limits, async () => {
    const start = await client.request(client.url("blobs/uploads/"), { method: "POST", what, headers: { "Content-Length": "0" }, ok: [202] });
    await start.body?.cancel();
    const url = new URL(sessionUrl(client, start, what));
    url.searchParams.set("digest", digest);
    const res = await client.request(url.toString(), { method: "PUT", what, headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.length) }, body: () => bytes, ok: [201, 204] });
    await res.body?.cancel();
  });
  return "uploaded";
}
