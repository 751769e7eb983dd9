/**
 * Provenance referrers against a real Distribution registry (Debian's
 * docker-registry 2.8, which has no referrers API): push attaches the
 * document as a manifest whose `subject` is the model, listed by the
 * referrers tag schema (`sha256-<hex>` tag with an OCI index), and
 * `verify oci://…` rebuilds the input digest from it; an altered pin fails.
 *
 * The referrers API and its tag fallback:
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#referrers-tag-schema
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { json, ms, tempDir } from "../build/helpers.js";
import { registryMissing, startRegistry, type Registry } from "./helpers.js";
import { INDEX, PROVENANCE, putManifest, sha, uploadBlob } from "./provenance-helpers.js";

const skip = registryMissing();

async function getJson<T>(r: Registry, rest: string, accept: string): Promise<T> {
  const res = await fetch(`http://${r.host}/v2/${rest}`, { headers: { Accept: accept } });
  assert.equal(res.status, 200, rest);
  return (await res.json()) as T;
}

interface Index {
  manifests: { digest: string; artifactType?: string; mediaType: string; size: number }[];
}
interface Referrer {
  artifactType: string;
  subject: { digest: string };
  layers: { mediaType: string; digest: string }[];
}

test("push attaches a provenance referrer (referrers tag schema on docker-registry); verify oci://… passes, and fails when a pin is altered", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({
    "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n    tests: fox.test.yaml\n  cub:\n    modelfile: cub/Modelfile\n    quantize: q8_0\n",
    Modelfile: 'FROM testmodel://oracle\nSYSTEM "You answer like a fox."\n',
    "fox.test.yaml": "tests:\n  - prompt: The quick\n    options: {num_predict: 4}\n    assert:\n      - type: contains\n        value: brown\n",
    "cub/Modelfile": 'FROM testmodel://oracle\nPARAMETER temperature 0.2\n',
  });
  const home = tempDir(t);
  const built = await ms(["build", "--json", "--no-test", "-C", dir], home);
  assert.equal(built.exitCode, 0, built.stderr);
  const lock = readFileSync(path.join(dir, "models.lock"), "utf8");
  const foxManifest = /  fox:\n    latest:\n      inputs: (sha256:\w+)\n      manifest: (sha256:\w+)/.exec(lock)!;

  const tested = await ms(["test", "fox", "-C", dir, "--reporter", "json", "-o", path.join(dir, "report.json")], home);
  assert.equal(tested.exitCode, 0, tested.stderr);
  const pushed = await ms(["push", "fox", `oci://${registry.host}/library/fox:1`, "-C", dir, "--test-report", path.join(dir, "report.json"), "--json"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const p = json<{ digest: string; provenance: { digest: string; listedBy: string } }>(pushed);
  assert.equal(p.digest, foxManifest[2]);
  // docker-registry 2.8 has no referrers API: GET …/referrers/<digest> is 404, so push wrote the tag schema's index.
  assert.equal((await fetch(`http://${registry.host}/v2/library/fox/referrers/${p.digest}`)).status, 404);
  assert.equal(p.provenance.listedBy, "tag-schema");
  const tag = `sha256-${p.digest.slice(7)}`;
  const index = await getJson<Index>(registry, `library/fox/manifests/${tag}`, INDEX);
  assert.deepEqual(index.manifests.map((m) => [m.digest, m.artifactType]), [[p.provenance.digest, PROVENANCE]]);
  const referrer = await getJson<Referrer>(registry, `library/fox/manifests/${p.provenance.digest}`, "application/vnd.oci.image.manifest.v1+json");
  assert.equal(referrer.artifactType, PROVENANCE);
  assert.equal(referrer.subject.digest, p.digest);
  const docText = await (await fetch(`http://${registry.host}/v2/library/fox/blobs/${referrer.layers[0]!.digest}`)).text();
  const doc = JSON.parse(docText) as { model: string; modelfile: { path: string; text: string }; references: Record<string, { digest: string }>; lock: { inputs: string; manifest: string } };
  assert.equal(doc.model, "fox");
  assert.equal(doc.modelfile.text, 'FROM testmodel://oracle\nSYSTEM "You answer like a fox."\n');
  assert.deepEqual(doc.lock, { inputs: foxManifest[1], manifest: foxManifest[2] });
  assert.equal(Object.keys(doc.references).length, 1);
  assert.deepEqual((doc as unknown as { tests: { summary: { passed: number }; cases: { name: string; status: string }[] } }).tests.summary.passed, 1);
  assert.deepEqual((doc as unknown as { tests: { cases: { name: string; status: string }[] } }).tests.cases.map((c) => [c.name, c.status]), [["The quick", "pass"]]);

  const ok = await ms(["verify", `oci://${registry.host}/library/fox:1`], home);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stdout, /^verified 127\.0\.0\.1:\d+\/library\/fox:1 sha256:\w+: 1 provenance document \(referrers tag schema\) match the model\n$/);

  // A quantized model in Docker Model Runner's layout: the document's quantize step is rebuilt too.
  const cub = await ms(["push", "cub:q8_0", `oci://${registry.host}/library/cub:1`, "--format", "docker", "-C", dir, "--json"], home);
  assert.equal(cub.exitCode, 0, cub.stderr);
  const cubOk = await ms(["verify", `oci://${registry.host}/library/cub:1`, "--json"], home);
  assert.equal(cubOk.exitCode, 0, cubOk.stderr);
  assert.deepEqual(json<{ documents: { model: string; tag: string }[] }>(cubOk).documents.map((d) => `${d.model}:${d.tag}`), ["cub:q8_0"]);

  // Alter the base pin in fox's document: a new referrer replaces the old one in the tag index.
  const key = Object.keys(doc.references)[0]!;
  const tampered = JSON.stringify({ ...doc, references: { [key]: { ...doc.references[key], digest: `sha256:${"1".repeat(64)}` } } });
  const blob = await uploadBlob(registry, "library/fox", tampered);
  const forged = JSON.stringify({ ...referrer, layers: [{ mediaType: PROVENANCE, ...blob }] });
  await putManifest(registry, "library/fox", sha(forged), "application/vnd.oci.image.manifest.v1+json", forged);
  await putManifest(registry, "library/fox", tag, INDEX, JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(forged), size: Buffer.byteLength(forged), artifactType: PROVENANCE }] }));
  const bad = await ms(["verify", `oci://${registry.host}/library/fox:1`], home);
  assert.equal(bad.exitCode, 1, bad.stderr);
  assert.match(bad.stderr, /error\[MS5753\]: .*its Modelfile and pins give input digest sha256:\w+, but it records sha256:\w+/);
  assert.equal(bad.stdout, "");

  // Pushed without a document: nothing to check against.
  const bare = await ms(["push", "fox", `oci://${registry.host}/library/bare:1`, "-C", dir, "--no-provenance"], home);
  assert.equal(bare.exitCode, 0, bare.stderr);
  const none = await ms(["verify", `oci://${registry.host}/library/bare:1`], home);
  assert.equal(none.exitCode, 1, none.stderr);
  assert.match(none.stderr, /error\[MS5752\]: .* has no provenance referrer/);
});

/**
 * A registry with the referrers API: docker-registry 2.8 has none, so a
 * small proxy in front of it answers `GET /v2/<name>/referrers/<digest>` from
 * the manifests with a `subject` pushed through it (an OCI index of their
 * descriptors, distribution-spec "Listing Referrers"); everything else goes
 * to the real registry.
 */
async function referrersProxy(t: import("node:test").TestContext, upstream: Registry): Promise<{ host: string; listed: number }> {
  const http = await import("node:http");
  const { freePort } = await import("./helpers.js");
  const port = await freePort();
  const bySubject = new Map<string, { mediaType: string; digest: string; size: number; artifactType?: string }[]>();
  const state = { host: `127.0.0.1:${port}`, listed: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? "/";
      const ref = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})/.exec(url);
      if (req.method === "GET" && ref) {
        state.listed++;
        res.writeHead(200, { "Content-Type": INDEX }).end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: bySubject.get(ref[2]!) ?? [] }));
        return;
      }
      if (req.method === "PUT" && /\/manifests\//.test(url)) {
        const m = JSON.parse(body.toString("utf8")) as { mediaType: string; artifactType?: string; subject?: { digest: string } };
        if (m.subject) bySubject.set(m.subject.digest, [...(bySubject.get(m.subject.digest) ?? []), { mediaType: m.mediaType, digest: sha(body), size: body.length, ...(m.artifactType ? { artifactType: m.artifactType } : {}) }]);
      }
      const up = http.request({ host: "127.0.0.1", port: upstream.port, method: req.method, path: url, headers: { ...req.headers, host: upstream.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on("error", () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return state;
}

test("a registry with the referrers API (fake referrers API in front of docker-registry): the referrer is listed there, no tag index is written", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const proxy = await referrersProxy(t, registry);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: "FROM testmodel://oracle\n" });
  const home = tempDir(t);
  assert.equal((await ms(["build", "--no-test", "-C", dir], home)).exitCode, 0);
  const pushed = await ms(["push", "fox", `oci://${proxy.host}/library/fox:1`, "-C", dir, "--format", "modelpack", "--json"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  const p = json<{ digest: string; provenance: { listedBy: string } }>(pushed);
  assert.equal(p.provenance.listedBy, "referrers-api");
  assert.equal((await fetch(`http://${registry.host}/v2/library/fox/manifests/sha256-${p.digest.slice(7)}`)).status, 404, "no tag-schema index");
  const ok = await ms(["verify", `oci://${proxy.host}/library/fox:1`], home);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stdout, /1 provenance document \(referrers API\) match the model/);
  assert.ok(proxy.listed >= 2, "push and verify asked the referrers API");
});
