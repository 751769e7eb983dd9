/**
 * Forging a provenance document on a real registry, for the tests that check
 * `verify oci://…` fails on an altered one: a blob upload (monolithic POST +
 * PUT, distribution-spec "Pushing a blob monolithically"), a manifest PUT,
 * and a referrer whose one layer is the forged document, listed alone in the
 * referrers tag schema's index (`sha256-<hex>` of the subject):
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#referrers-tag-schema
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Registry } from "./helpers.js";

export const PROVENANCE = "application/vnd.modelsmith.provenance.v1+json";
export const INDEX = "application/vnd.oci.image.index.v1+json";
export const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const sha = (b: string | Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function uploadBlob(r: Registry, repo: string, body: string): Promise<{ digest: string; size: number }> {
  const start = await fetch(`http://${r.host}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  assert.equal(start.status, 202);
  const url = new URL(start.headers.get("location")!, `http://${r.host}`);
  url.searchParams.set("digest", sha(body));
  const put = await fetch(url, { method: "PUT", headers: { "Content-Type": "application/octet-stream" }, body });
  assert.equal(put.status, 201, await put.text());
  return { digest: sha(body), size: Buffer.byteLength(body) };
}

export async function putManifest(r: Registry, repo: string, ref: string, type: string, body: string): Promise<void> {
  const res = await fetch(`http://${r.host}/v2/${repo}/manifests/${ref}`, { method: "PUT", headers: { "Content-Type": type }, body });
  assert.equal(res.status, 201, await res.text());
}

/** The pushed referrer manifest `digest` of `repo` and the document it carries. */
export async function fetchDocument<T>(r: Registry, repo: string, digest: string): Promise<{ referrer: Record<string, unknown> & { layers: { digest: string }[] }; doc: T }> {
  const referrer = (await (await fetch(`http://${r.host}/v2/${repo}/manifests/${digest}`, { headers: { Accept: MANIFEST } })).json()) as Record<string, unknown> & { layers: { digest: string }[] };
  const doc = (await (await fetch(`http://${r.host}/v2/${repo}/blobs/${referrer.layers[0]!.digest}`)).json()) as T;
  return { referrer, doc };
}

/** Puts `doc` in place of the pushed referrer: a new referrer manifest, listed alone in the tag schema's index of `subject`. */
export async function replaceDocument(r: Registry, repo: string, referrer: Record<string, unknown>, subject: string, doc: unknown): Promise<void> {
  const blob = await uploadBlob(r, repo, JSON.stringify(doc));
  const forged = JSON.stringify({ ...referrer, layers: [{ mediaType: PROVENANCE, ...blob }] });
  await putManifest(r, repo, sha(forged), MANIFEST, forged);
  const index = { schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: MANIFEST, digest: sha(forged), size: Buffer.byteLength(forged), artifactType: PROVENANCE }] };
  await putManifest(r, repo, `sha256-${subject.slice(7)}`, INDEX, JSON.stringify(index));
}
