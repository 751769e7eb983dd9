import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { error, type SourceRange } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError, ModelsmithError } from "../diagnostics/errors.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Store } from "../store/store.js";
import { storeWriteError } from "../store/io-error.js";
import { bodyChunks, fetchWithDeadline, HttpTimeout, httpLimits, timedOut } from "./http.js";

export interface FileDownload {
  url: string;
  /** Sent with every request; fetch drops Authorization on a redirect to another origin. */
  headers?: Record<string, string>;
  store: Store;
  /** Names the download in messages (the reference). */
  what: string;
  /** Where the reference is written, for diagnostics. */
  at: { file?: string; range?: SourceRange };
  /** The bytes must hash to this; a mismatch stores nothing (MS5602). */
  expectedDigest?: Sha256Digest;
  /** The URL always names the same bytes (a Hub file at a commit): a digest learnt once is reused without asking the server. */
  immutable?: boolean;
  /** The file must be a GGUF model (default true): else MS5646 and nothing is kept. False for a checkpoint's JSON and tokenizer files. */
  gguf?: boolean;
  /** Hears of the bytes written so far (a resumed download starts where it stopped), of the total when the server says it. */
  onProgress?: (done: number, total?: number) => void;
}

/** What a finished download of a URL gave, and the validators the server sent with it. */
interface DownloadRecord {
  url: string;
  etag?: string;
  lastModified?: string;
  digest: Sha256Digest;
  size: number;
}

/** Validators of a partial download: resuming is safe only while they hold. */
interface PartMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

const MAGIC = Buffer.from("GGUF");

/**
 * Downloads a file whose digest is not known yet, hashing it as it is written,
 * and puts it in the store; returns its digest. Used for a URL without
 * `#sha256=` and a Hub file outside LFS.
 *
 * - The first bytes must be the GGUF magic, else InputError MS5646 and
 *   nothing is kept (unless `gguf: false`).
 * - Resumable: the bytes go to `tmp/fetch-<url hash>.part`; a later run asks
 *   for the rest (`Range`, with `If-Range` on the ETag or Last-Modified the
 *   first response carried; without either it starts afresh, as it cannot
 *   know the file is the same).
 * - A record under `cache/downloads/` maps the URL and its validators to the
 *   digest, so resolving the same unchanged URL again costs one HEAD, not a
 *   download (none at all when `immutable`).
 */
export async function downloadAndHash(o: FileDownload): Promise<{ digest: Sha256Digest; size: number }> {
  const key = createHash("sha256").update(o.url).digest("hex");
  const recordFile = path.join(o.store.root, "cache", "downloads", `${key}.json`);
  const known = await readJson<DownloadRecord>(recordFile);
  if (known?.url === o.url && (await o.store.hasBlob(known.digest))) {
    if (o.immutable) return { digest: known.digest, size: known.size };
    const head = await request(o, "HEAD", {}).catch(() => undefined);
    if (head?.ok && sameFile(known, validators(head), Number(head.headers.get("content-length")))) return { digest: known.digest, size: known.size };
  }
  const dir = o.store.layout.tmpDir;
  await mkdir(dir, { recursive: true });
  const part = path.join(dir, `fetch-${key}.part`);
  const metaFile = `${part}.json`;
  const meta = await readJson<PartMeta>(metaFile);
  const partSize = meta?.url === o.url && (meta.etag || meta.lastModified) ? await stat(part).then((s) => s.size, () => 0) : 0;
  // A part shorter than the magic has not been checked yet: start afresh.
  const have = partSize >= MAGIC.length ? partSize : 0;
  let res = await request(o, "GET", have > 0 ? { Range: `bytes=${have}-`, "If-Range": meta!.etag ?? meta!.lastModified! } : {}, have > 0);
  // 416: the part is not a prefix of the file (any more): from the start.
  if (res.status === 416) res = await request(o, "GET", {});
  // 206: the rest of the same file; 200: the file changed, or ranges are not supported: from the start.
  const resumed = res.status === 206 && have > 0;
  const from = resumed ? have : 0;
  const h = createHash("sha256");
  if (resumed) for await (const b of createReadStream(part, { end: have - 1 })) h.update(b as Buffer);
  const now = validators(res);
  await writeFile(metaFile, JSON.stringify({ url: o.url, ...now }));
  const fh = await open(part, resumed ? "r+" : "w");
  let pos = from;
  // The magic of a resumed part was checked when its first bytes came.
  let head = resumed ? MAGIC : Buffer.alloc(0);
  const expected = resumed ? Number(res.headers.get("content-range")?.split("/")[1]) : Number(res.headers.get("content-length"));
  const total = Number.isSafeInteger(expected) && expected >= 0 ? expected : undefined;
  o.onProgress?.(pos, total);
  try {
    try {
      for await (const chunk of bodyChunks(res, httpLimits().idleMs)) {
        if (head.length < MAGIC.length) {
          head = Buffer.concat([head, chunk]);
          if (head.length >= MAGIC.length) checkMagic(head, o);
        }
        await fh.write(chunk, 0, chunk.length, pos).catch((e: unknown) => {
          throw storeWriteError(`download ${o.what}`, part, e);
        });
        h.update(chunk);
        pos += chunk.length;
        o.onProgress?.(pos, total);
      }
    } catch (err) {
      if (err instanceof ModelsmithError) throw err;
      if (err instanceof HttpTimeout) throw timedOut(new URL(o.url).host, o.what, err);
      throw new EnvironmentError(error("MS5601", `cannot download ${o.what}: the connection broke off after ${pos} bytes`, { ...o.at, hint: "run again: the download resumes" }), { cause: err });
    }
    if (head.length < MAGIC.length) checkMagic(head, o);
  } catch (err) {
    await fh.close();
    if (err instanceof InputError) await rm(part, { force: true }), await rm(metaFile, { force: true });
    throw err;
  }
  await fh.sync();
  await fh.close();
  if (total !== undefined && total !== pos) {
    throw new EnvironmentError(error("MS5601", `cannot download ${o.what}: the connection ended after ${pos} of ${total} bytes`, { ...o.at, hint: "run again: the download resumes" }));
  }
  const digest: Sha256Digest = `sha256:${h.digest("hex")}`;
  try {
    await o.store.ingestFile(part, { expectedDigest: o.expectedDigest ?? digest, consume: true });
  } catch (err) {
    if (err instanceof ModelsmithError && err.diagnostics.some((d) => d.code === "MS5104")) {
      throw new EnvironmentError(error("MS5602", `the bytes downloaded for ${o.what} do not match ${o.expectedDigest}: nothing was stored`, { ...o.at, hint: "the server sent other bytes than the pin names: check the reference and its #sha256=" }), { cause: err });
    }
    throw err;
  } finally {
    await rm(part, { force: true });
    await rm(metaFile, { force: true });
  }
  await mkdir(path.dirname(recordFile), { recursive: true });
  await writeFile(recordFile, `${JSON.stringify({ url: o.url, ...now, digest, size: pos } satisfies DownloadRecord)}\n`);
  return { digest, size: pos };
}

function checkMagic(head: Buffer, o: FileDownload): void {
  if (o.gguf === false) return;
  if (head.subarray(0, MAGIC.length).equals(MAGIC)) return;
  throw new InputError(error("MS5646", `${o.what} is not a GGUF file (it does not start with "GGUF"): nothing was stored`, { ...o.at, hint: "point the reference at a .gguf file; convert other formats with llama.cpp's convert_hf_to_gguf.py first" }));
}

/** The server's validators: a strong ETag, else Last-Modified. */
function validators(res: Response): { etag?: string; lastModified?: string } {
  const etag = res.headers.get("etag");
  const lastModified = res.headers.get("last-modified");
  return { ...(etag && !etag.startsWith("W/") ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

/** True when the server's answer names the recorded file: the same strong ETag, or (without one) the same Last-Modified and size. */
function sameFile(rec: DownloadRecord, now: { etag?: string; lastModified?: string }, size: number): boolean {
  if (rec.etag || now.etag) return rec.etag === now.etag;
  return rec.lastModified !== undefined && rec.lastModified === now.lastModified && rec.size === size;
}

/** A request that answered 2xx (or 416, when `allow416`); else EnvironmentError MS5601 naming the status. */
async function request(o: FileDownload, method: "GET" | "HEAD", extra: Record<string, string>, allow416 = false): Promise<Response> {
  let res: Response;
  try {
    res = await fetchWithDeadline(o.url, { method, headers: { "Accept-Encoding": "identity", ...o.headers, ...extra }, redirect: "follow" }, httpLimits());
  } catch (err) {
    if (err instanceof HttpTimeout) throw timedOut(new URL(o.url).host, o.what, err);
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new EnvironmentError(error("MS5601", `cannot download ${o.what}: ${cause}`, { ...o.at, hint: "check the network, then run again" }), { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (allow416 && res.status === 416) return res;
    throw new EnvironmentError(error("MS5601", `cannot download ${o.what}: the server answered ${res.status} ${res.statusText}`, { ...o.at, hint: res.status === 401 || res.status === 403 ? "the server wants credentials" : "check the reference" }));
  }
  return res;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
