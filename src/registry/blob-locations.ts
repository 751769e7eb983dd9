import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Store } from "../store/store.js";

/**
 * Where a blob was last seen on registries: `<store>/cache/registry-blobs/<hex>.json`,
 * `{"<host>": ["<repository>", …]}`, written when a push, pull or remote-cache
 * fetch finds a blob in a repository. A push to another repository of the same
 * host asks the registry to mount it from one of them (upload.ts) instead of
 * sending the bytes, as Docker's and containers/image's blob-info caches do.
 * Only a hint: a lost update or a stale entry costs an ordinary upload.
 */
function file(store: Store, digest: Sha256Digest): string {
  return path.join(store.root, "cache", "registry-blobs", `${digest.slice("sha256:".length)}.json`);
}

async function read(store: Store, digest: Sha256Digest): Promise<Record<string, string[]>> {
  try {
    const doc = JSON.parse(await readFile(file(store, digest), "utf8")) as unknown;
    return doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

/** Repositories of `host` known to hold `digest`, most recent first. */
export async function knownRepositories(store: Store, host: string, digest: Sha256Digest): Promise<string[]> {
  const repos = (await read(store, digest))[host];
  return Array.isArray(repos) ? repos.filter((r) => typeof r === "string") : [];
}

/** Records that `host/repository` holds `digest` (best effort: a failure to write is ignored). */
export async function rememberBlob(store: Store, host: string, repository: string, digest: Sha256Digest): Promise<void> {
  const doc = await read(store, digest);
  const repos = [repository, ...(doc[host] ?? []).filter((r) => r !== repository)].slice(0, 8);
  if (doc[host]?.[0] === repository) return;
  doc[host] = repos;
  const target = file(store, digest);
  const tmp = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(tmp, JSON.stringify(doc));
    await rename(tmp, target);
  } catch {
    // a hint only
  } finally {
    await rm(tmp, { force: true }).catch(() => {});
  }
}
