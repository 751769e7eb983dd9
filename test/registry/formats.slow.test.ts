/**
 * push --format modelpack|docker against a real Distribution registry on
 * loopback: the manifests validate against the published JSON Schemas (OCI
 * image-spec's manifest schema, ModelPack's config schema; kept in
 * test/fixtures/schemas with their licence), carry the media types the specs
 * name, and pull back into a fresh store as the very manifest that was
 * pushed, with the same weights. A Docker Model Runner artifact that another
 * tool wrote (no modelsmith annotations) pulls too, and FROM oci:// builds on
 * a ModelPack artifact.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { Ajv, type AnySchema } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { fromRoot } from "../helpers/paths.js";
import { tempProject } from "../helpers/cli.js";
import { json, manifestOf, ms, tempDir } from "../build/helpers.js";
import { hasSkopeo, registryMissing, startRegistry, type Registry } from "./helpers.js";

const skip = registryMissing();
const SCHEMAS = fromRoot("test/fixtures/schemas");

/**
 * The OCI schemas are draft-04 (`id`, not `$id`); Ajv 8 speaks draft-07 and
 * later, whose keywords these files use with the same meaning. Their `id`s
 * are dropped and each file is added under its own file name, which is how
 * their `$ref`s ("defs-descriptor.json#/…") name them: image-spec's own
 * validator (schema/validator.go) loads them from the same directory.
 */
function ociValidator(file: string) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "id" && k !== "$schema").map(([k, x]) => [k, strip(x)]));
    return v;
  };
  for (const f of readdirSync(path.join(SCHEMAS, "image-spec")).filter((f) => f.endsWith(".json"))) {
    ajv.addSchema({ ...(strip(JSON.parse(readFileSync(path.join(SCHEMAS, "image-spec", f), "utf8"))) as object), $id: f } as AnySchema);
  }
  return ajv.getSchema(file)!;
}

function modelpackConfigValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, "modelpack/config-schema.json"), "utf8")) as AnySchema);
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface OciManifest {
  schemaVersion: number;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** A pulled manifest in a store: `manifests/<host>/<repository>/<tag>`. */
function pulledManifest(home: string, host: string, repo: string, tag: string): ReturnType<typeof manifestOf> {
  const text = readFileSync(path.join(home, "manifests", host, ...repo.split("/"), tag), "utf8");
  return { text, layers: (JSON.parse(text) as OciManifest).layers };
}

async function getManifest(registry: Registry, repo: string, ref: string): Promise<{ text: string; manifest: OciManifest }> {
  const res = await fetch(`http://${registry.host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: "application/vnd.oci.image.manifest.v1+json" } });
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, manifest: JSON.parse(text) as OciManifest };
}

async function getBlob(registry: Registry, repo: string, digest: string): Promise<string> {
  const res = await fetch(`http://${registry.host}/v2/${repo}/blobs/${digest}`);
  assert.equal(res.status, 200);
  return res.text();
}

test("push --format modelpack and docker: schema-valid manifests of the spec's media types, pulled back into a fresh store as the same model", { skip }, async (t) => {
  const registry = await startRegistry(t);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: 'FROM testmodel://oracle\nSYSTEM "You answer like a fox."\nLICENSE "MIT"\n' });
  const homeA = path.join(tempDir(t), "a");
  const b = await ms(["build", "--json", "--no-test", "-C", dir], homeA);
  assert.equal(b.exitCode, 0, b.stderr);
  const built = json<{ models: { manifest: string }[] }>(b).models[0]!.manifest;
  const stored = manifestOf(homeA, "fox", "latest");
  const weights = stored.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
  const validManifest = ociValidator("image-manifest-schema.json");
  const validModelpackConfig = modelpackConfigValidator();

  for (const format of ["modelpack", "docker"] as const) {
    const pushed = await ms(["push", "fox", `oci://${registry.host}/library/fox:${format}`, "--format", format, "--json"], homeA);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const digest = json<{ digest: string; format: string }>(pushed).digest;
    assert.equal(json<{ format: string }>(pushed).format, format);
    assert.notEqual(digest, built, "another layout is another manifest");
    const { manifest } = await getManifest(registry, "library/fox", format);
    assert.ok(validManifest(manifest), `${format}: ${JSON.stringify(validManifest.errors)}`);
    assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
    // The same blobs as the stored model, weights untouched.
    assert.deepEqual(manifest.layers.map((l) => [l.digest, l.size]), stored.layers.map((l) => [l.digest, l.size]));
    const config = JSON.parse(await getBlob(registry, "library/fox", manifest.config.digest)) as Record<string, Record<string, unknown>>;
    if (format === "modelpack") {
      // https://github.com/modelpack/model-spec/blob/d78bf3231b4f26196c4a955e1007ccc47e19a77c/specs-go/v1/mediatype.go#L21-L29
      assert.equal(manifest.artifactType, "application/vnd.cncf.model.manifest.v1+json");
      assert.equal(manifest.config.mediaType, "application/vnd.cncf.model.config.v1+json");
      assert.deepEqual(manifest.layers.map((l) => l.mediaType), ["application/vnd.cncf.model.weight.v1.raw", "application/vnd.cncf.model.weight.config.v1.raw", "application/vnd.cncf.model.doc.v1.raw"]);
      assert.deepEqual(manifest.layers.map((l) => l.annotations?.["org.cncf.model.filepath"]), ["model.gguf", "system.txt", "LICENSE"]);
      assert.ok(validModelpackConfig(config), JSON.stringify(validModelpackConfig.errors));
      assert.deepEqual(config.modelfs, { type: "layers", diffIds: stored.layers.map((l) => l.digest) });
      assert.equal(config.config!.format, "gguf");
      // Docker Model Runner tells a ModelPack config from its own by config.paramSize (pkg/distribution/modelpack/types.go IsModelPackConfig).
      assert.match(String(config.config!.paramSize), /^\d+(\.\d)?[KMBTQ]$/);
    } else {
      // https://github.com/docker/model-runner/blob/642c72117b2431a6b871796883af1aaf013fc3cf/pkg/distribution/types/config.go#L15-L43
      assert.equal(manifest.artifactType, undefined, "Docker Model Runner's layout names itself by its config media type");
      assert.equal(manifest.config.mediaType, "application/vnd.docker.ai.model.config.v0.1+json");
      assert.deepEqual(manifest.layers.map((l) => l.mediaType), ["application/vnd.docker.ai.gguf.v3", "application/vnd.ollama.image.system", "application/vnd.docker.ai.license"]);
      assert.equal(config.config!.format, "gguf");
      assert.equal(config.config!.architecture, "llama");
      assert.deepEqual(config.rootfs, { type: "rootfs", diff_ids: stored.layers.map((l) => l.digest) });
    }
    if (hasSkopeo()) {
      const raw = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/library/fox:${format}`], { encoding: "utf8" })) as OciManifest;
      assert.equal(raw.artifactType, manifest.artifactType);
      assert.equal(raw.config.mediaType, manifest.config.mediaType);
      // Plain `skopeo inspect` (and `--config` without --raw) refuses any manifest whose config is not an OCI image config:
      // https://github.com/containers/image/blob/main/manifest/oci.go (OCI1.Inspect: `if m.Config.MediaType != imgspecv1.MediaTypeImageConfig
      // { return nil, NewNonImageArtifactError(&m.Manifest) }`). Both formats fix their config media type in their specs, so this is by
      // design (docs/decisions.md, "skopeo inspect on model artifacts"); `--config --raw` reads the config as it is.
      const plain = spawnSync("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/library/fox:${format}`], { encoding: "utf8" });
      assert.notEqual(plain.status, 0);
      assert.match(plain.stderr, new RegExp(`unsupported image-specific operation on artifact with type \\\\?"${manifest.config.mediaType.replace(/[.+]/g, "\\$&")}\\\\?"`));
      const rawConfig = execFileSync("skopeo", ["inspect", "--config", "--raw", "--tls-verify=false", `docker://${registry.host}/library/fox:${format}`], { encoding: "utf8" });
      assert.deepEqual(JSON.parse(rawConfig), config);
    }

    // A second store: the pulled model is the pushed one, byte for byte.
    const homeB = path.join(tempDir(t), `b-${format}`);
    const pulled = await ms(["pull", `oci://${registry.host}/library/fox:${format}`, "--json"], homeB);
    assert.equal(pulled.exitCode, 0, pulled.stderr);
    const p = json<{ digest: string; format: string; stored: string }>(pulled);
    assert.equal(p.digest, digest);
    assert.equal(p.format, format);
    assert.equal(p.stored, built);
    const back = pulledManifest(homeB, registry.host, "library/fox", format);
    assert.equal(back.text, stored.text);
    assert.equal(back.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!.digest, weights.digest);
    const verified = await ms(["verify"], homeB);
    assert.equal(verified.exitCode, 0, verified.stderr);
    const shown = await ms(["show", `${registry.host}/library/fox:${format}`, "--modelfile"], homeB);
    assert.match(shown.stdout, /SYSTEM .*You answer like a fox\./);
  }

  // FROM oci:// of the ModelPack artifact: its raw weight layer is the base.
  const child = tempProject({ "modelsmith.yaml": "models:\n  cub:\n    modelfile: Modelfile\n", Modelfile: `FROM oci://${registry.host}/library/fox:modelpack\nSYSTEM "A cub."\n` });
  const homeC = path.join(tempDir(t), "c");
  const cb = await ms(["build", "--json", "--no-test", "-C", child], homeC);
  assert.equal(cb.exitCode, 0, cb.stderr);
  const cub = manifestOf(homeC, "cub", "latest");
  assert.equal(cub.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!.digest, weights.digest);
  assert.ok(cub.layers.some((l) => l.mediaType === "application/vnd.ollama.image.license"), "the license layer is inherited with Ollama's type");
});

test("pull: a Docker Model Runner artifact another tool wrote (no modelsmith annotations) gets an Ollama config from its GGUF", { skip }, async (t) => {
  const reg = await startRegistry(t);
  const dir = tempProject({ "modelsmith.yaml": "models:\n  fox:\n    modelfile: Modelfile\n", Modelfile: 'FROM testmodel://oracle\nLICENSE "MIT"\n' });
  const home = path.join(tempDir(t), "a");
  assert.equal((await ms(["build", "--no-test", "-C", dir], home)).exitCode, 0);
  const pushed = await ms(["push", "fox", `oci://${reg.host}/dmr/fox:1`, "--format", "docker"], home);
  assert.equal(pushed.exitCode, 0, pushed.stderr);
  // What `docker model push` writes: the same layout with no modelsmith annotations (the blobs are in the repository already).
  const { manifest } = await getManifest(reg, "dmr/fox", "1");
  const plain = { ...manifest, layers: manifest.layers.map(({ annotations: _a, ...l }) => l) };
  delete plain.annotations;
  const put = await fetch(`http://${reg.host}/v2/dmr/fox/manifests/plain`, { method: "PUT", headers: { "Content-Type": plain.mediaType }, body: JSON.stringify(plain) });
  assert.equal(put.status, 201, await put.text());

  const homeB = path.join(tempDir(t), "b");
  const pulled = await ms(["pull", `oci://${reg.host}/dmr/fox:plain`, "--json"], homeB);
  assert.equal(pulled.exitCode, 0, pulled.stderr);
  const back = pulledManifest(homeB, reg.host, "dmr/fox", "plain");
  assert.deepEqual(back.layers.map((l) => l.mediaType), ["application/vnd.ollama.image.model", "application/vnd.docker.ai.license"]);
  const config = JSON.parse(readFileSync(path.join(homeB, "blobs", (JSON.parse(back.text) as OciManifest).config.digest.replace(":", "-")), "utf8")) as Record<string, unknown>;
  assert.equal(config.model_family, "llama");
  assert.equal(config.model_format, "gguf");
  const shown = await ms(["show", `${reg.host}/dmr/fox:plain`, "--json"], homeB);
  assert.equal(shown.exitCode, 0, shown.stderr);
  assert.match(shown.stdout, /"llama"/);
  assert.equal((await ms(["verify"], homeB)).exitCode, 0);
});

