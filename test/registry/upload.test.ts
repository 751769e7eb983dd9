/**
 * Blob uploads against a real Distribution registry, as the OCI distribution
 * spec has them:
 * - chunked: POST a session, PATCH `Content-Range: <start>-<end>` chunks,
 *   PUT `?digest=` (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-in-chunks);
 * - a PATCH that hangs is given up after the timeout, the session asked where
 *   it stands (GET `<location>` → 204 `Range: 0-<last>`, the Distribution
 *   API's "Upload Progress": https://github.com/distribution/distribution/blob/main/docs/content/spec/api.md#upload-progress)
 *   and the upload goes on from there;
 * - cross-repository mount: POST `?mount=<digest>&from=<repo>` answered 201
 *   (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository);
 * - a blob the repository has is not sent again (HEAD).
 * The bytes in the registry are then read back and compared.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { RegistryClient } from "../../src/registry/client.js";
import { pushBlob, pushBlobs } from "../../src/registry/upload.js";
import type { Sha256Digest } from "../../src/resolve/reference-types.js";
import { Store } from "../../src/store/store.js";
import { registryMissing, startProxy, startRegistry } from "./helpers.js";

const skip = registryMissing();
const MiB = 1 << 20;

async function storeWith(t: { after: (fn: () => void) => void }, sizes: number[]): Promise<{ store: Store; blobs: { digest: Sha256Digest; size: number; bytes: Buffer }[] }> {
  const root = mkdtempSync(path.join(tmpdir(), "modelsmith-upload-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new Store(root);
  const blobs = [];
  for (const size of sizes) {
    const bytes = randomBytes(size);
    const put = await store.putBlobFromBuffer(bytes);
    blobs.push({ digest: put.digest as Sha256Digest, size, bytes });
  }
  return { store, blobs };
}

const env = { MODELSMITH_HTTP_TIMEOUT: "1", MODELSMITH_HTTP_RETRIES: "2", MODELSMITH_HTTP_BACKOFF: "0.05" };

async function registryBytes(host: string, repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`http://${host}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

test("a large blob goes up in PATCH chunks; a PATCH that hangs is resumed from the session's Range; the registry has the same bytes", { skip }, async (t) => {
  const registry = await startRegistry(t);
  let stalled = 0;
  const proxy = await startProxy(t, registry.port, {
    keepHost: true,
    // The second chunk's first try hangs (the registry never sees it).
    stall: (req) => req.method === "PATCH" && String(req.headers["content-range"]).startsWith(`${MiB}-`) && stalled++ === 0,
  });
  const { store, blobs } = await storeWith(t, [3 * MiB + 12345]);
  const blob = blobs[0]!;
  const client = new RegistryClient(proxy.host, "team/big", { home: tmpdir(), env });
  const progress: number[] = [];
  const status = await pushBlob(client, blob.digest, blob.size, { store, chunkSize: MiB, onProgress: (sent) => progress.push(sent) });
  assert.equal(status, "uploaded");
  assert.equal(stalled, 2, `the hung chunk was sent again: ${proxy.requests.join("\n")}`);
  const patches = proxy.requests.filter((r) => r.startsWith("PATCH "));
  assert.equal(patches.length, 5, proxy.requests.join("\n")); // 4 chunks + the retry
  assert.ok(proxy.requests.some((r) => r.startsWith("GET /v2/team/big/blobs/uploads/")), "the session's status was asked for");
  assert.equal(proxy.requests.filter((r) => r.startsWith("PUT ")).length, 1);
  assert.equal(progress.at(-1), blob.size);
  assert.ok((await registryBytes(registry.host, "team/big", blob.digest)).equals(blob.bytes));

  // Again: the repository has it, nothing is sent.
  const before = proxy.requests.length;
  assert.equal(await pushBlob(client, blob.digest, blob.size, { store, chunkSize: MiB }), "exists");
  assert.deepEqual(proxy.requests.slice(before), [`HEAD /v2/team/big/blobs/${blob.digest}`]);
});

test("a blob another repository of the registry holds is mounted, not sent; several blobs go up at once", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const proxy = await startProxy(t, registry.port, { keepHost: true });
  const { store, blobs } = await storeWith(t, [200_000, 300_000, 5]);
  const a = new RegistryClient(proxy.host, "team/a", { home: tmpdir(), env });
  const statuses = await pushBlobs(a, blobs, { store, parallel: 3 });
  assert.deepEqual(statuses, ["uploaded", "uploaded", "uploaded"]);

  const b = new RegistryClient(proxy.host, "team/b", { home: tmpdir(), env });
  const before = proxy.requests.length;
  assert.deepEqual(await pushBlobs(b, blobs, { store }), ["mounted", "mounted", "mounted"]);
  const sent = proxy.requests.slice(before);
  assert.equal(sent.filter((r) => r.startsWith("PATCH ") || r.startsWith("PUT ")).length, 0, sent.join("\n"));
  for (const blob of blobs) assert.ok((await registryBytes(registry.host, "team/b", blob.digest)).equals(blob.bytes));
});
