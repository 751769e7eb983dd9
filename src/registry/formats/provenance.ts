import { homedir } from "node:os";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { error, warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { CheckFailedError, EnvironmentError, InputError } from "../../diagnostics/errors.js";
import { loadModels, ownLayers } from "../../build/load.js";
import { planBuild, type PlanModel } from "../../build/plan.js";
import { parseAdapterReference } from "../../check/adapter-reference.js";
import { parseLock } from "../../lock/parse.js";
import { LOCK_FILE, type LockedReference, type LockedVariant } from "../../lock/lock.js";
import { readModelfile } from "../../modelfile/index.js";
import { findProjectDir, loadProject } from "../../project/load.js";
import { rebaseLocalPath } from "../../resolve/file-ref.js";
import { formatReference } from "../../resolve/format-reference.js";
import { isCheckpointPin } from "../../resolve/checkpoint.js";
import { parseReference } from "../../resolve/reference.js";
import { localPath } from "../../resolve/sources/file-source.js";
import { isCheckpointDir } from "../../convert/checkpoint.js";
import { isPeftDir } from "../../convert/peft-adapter.js";
import { readGgufFile } from "../../gguf/reader.js";
import { looksLikeSplitPart, splitCountOf } from "../../gguf/split.js";
import type { Reference, Sha256Digest } from "../../resolve/reference-types.js";
import type { Pin } from "../../resolve/sources/pin.js";
import { makeManifest, parseManifest, serializeManifest, type Manifest } from "../../store/manifest.js";
import { CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPES, OCI_MANIFEST_MEDIA_TYPE } from "../../store/media-types.js";
import type { Store } from "../../store/store.js";
import { RegistryClient, type ClientOptions } from "../client.js";
import { MAX_MANIFEST_BYTES } from "../manifest-fetch.js";
import { pushManifest } from "../push.js";
import { describeRemote, type Remote } from "../remote.js";
import { ollamaView, sha256Of } from "./convert.js";

/** The artifact type of modelsmith's provenance referrer, and the media type of its one layer (the document). */
export const PROVENANCE_TYPE = "application/vnd.modelsmith.provenance.v1+json";
/** OCI image-spec manifest.md "Guidance for an Empty Descriptor": the config of an artifact that has none. */
export const EMPTY_CONFIG = { mediaType: "application/vnd.oci.empty.v1+json", digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", size: 2 } as const;
const INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

/**
 * The provenance document (`application/vnd.modelsmith.provenance.v1+json`):
 * what the model was built from, as models.lock and the project record it.
 * `verify oci://…` rebuilds the input digest (`lock.inputs`) from `modelfile`,
 * `quantize`, `aliases`, `own` and `references`, and checks `lock.manifest`
 * against the pushed manifest.
 *
 * Schema versions (docs/artifacts.md): 1, a model whose FROM is a pinned
 * reference; 2, a model built FROM another model of the project, which adds
 * `base` (that model's node, for the variant FROM uses; its own `base` when
 * it is built FROM another one in turn, and so on) and `namespace`. A
 * document without a project base is still written as version 1, so that
 * verifiers that know only version 1 keep reading it.
 */
export interface ProvenanceNode {
  /** The project model and variant (models.lock `models.<model>.<tag>`); in a `base`, the tag FROM names (default `latest`). */
  model: string;
  tag: string;
  /** The Modelfile as built: its path relative to the project root, and its text. */
  modelfile: { path: string; text: string };
  /** The quantization type of this variant, or null for the base weights. */
  quantize: string | null;
  /**
   * What the Modelfile's text alone does not give: FORMAT schema text and
   * vision projectors, as the build hashed them; `convert`, the output type
   * of the convert step when FROM is a Hugging Face checkpoint (a folder, or
   * `hf://org/repo`); `peft`, the indexes of the ADAPTER lines that name a
   * PEFT LoRA folder (each converted for the base by its own step). A local
   * folder's lock entry does not say it is a folder: these two do.
   * `peftConvert`: the PEFT adapters' type when not F32 (`convert:`);
   * `split`: FROM names the first part of a split GGUF, joined by a step.
   */
  own: { format?: { kind: "json" } | { kind: "schema"; text: string }; projectors?: { digest: Sha256Digest; size: number }[]; convert?: "F32" | "F16" | "BF16"; peft?: number[]; peftConvert?: "F32" | "F16" | "BF16"; split?: true };
  /** The models.lock entries of the references this model uses (base and adapters). */
  references: Record<string, LockedReference>;
  /** The model's models.lock entry: input digest and manifest digest (the store's, Ollama layout). */
  lock: LockedVariant;
  /** Version 2: the model of the project FROM names, as it was built (its input digest is part of this one's). */
  base?: ProvenanceNode;
}

export interface ProvenanceDocument extends ProvenanceNode {
  schemaVersion: 1 | 2;
  /** The project's `aliases:` (FROM resolves through them). */
  aliases: Record<string, string>;
  /** Version 2: the project's `defaults.namespace`; a project base's name, with it, is part of the input digest. */
  namespace?: string;
  /** The prompt-test summary (`test --reporter json`) when push was given one, else null. */
  tests: { summary: Record<string, number>; cases: { id: string; name: string; status: string; score: number }[] } | null;
}

/** The deepest chain of project bases a document holds (a project's FROM graph has no cycles; this bounds a hostile document). */
const MAX_CHAIN = 32;

/**
 * The provenance document of the stored manifest `digest`, from the project
 * at `dir`: the models.lock variant that records that manifest, its
 * Modelfile, its references' pins, and for a model built FROM another
 * project model that model's node, recursively (version 2). Undefined (with
 * the reason) when the project does not record the manifest; when models.lock
 * does not record a base model's variant, also a warning MS5755.
 */
export async function provenanceFor(dir: string, digest: Sha256Digest, testReport?: string): Promise<{ doc?: ProvenanceDocument; why?: string; warning?: Diagnostic }> {
  if ((await findProjectDir(dir)) === undefined) return { why: `no modelsmith.yaml in ${path.resolve(dir)} or above` };
  const loaded = await loadProject(dir);
  if (!loaded.project) return { why: `${loaded.file} is not valid` };
  const project = loaded.project;
  let lockText: string;
  try {
    lockText = await readFile(path.join(project.root, LOCK_FILE), "utf8");
  } catch {
    return { why: `no ${LOCK_FILE} in ${project.root}` };
  }
  const { lock } = parseLock(lockText, LOCK_FILE);
  if (!lock) return { why: `${LOCK_FILE} is not valid` };
  let hit: { model: string; tag: string; entry: LockedVariant } | undefined;
  for (const [model, tags] of Object.entries(lock.models)) {
    for (const [tag, entry] of Object.entries(tags)) if (entry.manifest === digest && (!hit || tag !== "latest")) hit = { model, tag, entry };
  }
  if (!hit) return { why: `${LOCK_FILE} of ${project.root} records no model with manifest ${digest}` };
  const { models } = await loadModels(project, (abs) => path.relative(project.root, abs) || ".", new Map());

  /** The node of `model`'s variant `tag`, recorded by `entry`; its project base's node under `base`. */
  const nodeOf = async (model: string, tag: string, entry: LockedVariant, depth: number): Promise<{ node?: ProvenanceNode; why?: string; warning?: Diagnostic }> => {
    const m = models.find((x) => x.name === model);
    const def = project.models.find((x) => x.name === model);
    if (!m || !def) return { why: `model ${model} is not in ${loaded.file}` };
    const q = m.quantize.find((x) => x.tag === tag) ?? (tag === "latest" || m.tags.includes(tag) ? m.quantize[0] : undefined);
    let base: ProvenanceNode | undefined;
    if (m.base.kind === "project") {
      const baseTag = m.base.tag ?? "latest";
      const baseEntry = lock.models[m.base.model]?.[baseTag];
      if (!baseEntry || depth >= MAX_CHAIN) {
        const why = `${LOCK_FILE} records no variant ${m.base.model}:${baseTag}, the base model of ${model}`;
        return { why, warning: warning("MS5755", `no provenance attached: ${why}`, { hint: "build the project (`modelsmith build`) so that models.lock records every model the pushed one is built from, then push again" }) };
      }
      const made = await nodeOf(m.base.model, baseTag, baseEntry, depth + 1);
      if (!made.node) return made;
      base = made.node;
    }
    const references: Record<string, LockedReference> = {};
    for (const ref of [...(m.base.kind === "project" ? [] : [m.base]), ...m.adapters.map((a) => a.ref)]) {
      const key = formatReference(ref);
      if (Object.hasOwn(lock.references, key)) references[key] = lock.references[key]!;
    }
    const text = await readFile(def.modelfile, "utf8");
    // Folders the build converts: a checkpoint on FROM (or an hf:// repository's), PEFT folders on ADAPTER lines.
    const where = { projectRoot: project.root, home: homedir() };
    const baseLock = m.base.kind === "project" ? undefined : lock.references[formatReference(m.base)];
    const checkpoint = m.base.kind === "file" ? await isCheckpointDir(localPath(m.base.path, where)) : baseLock !== undefined && isCheckpointPin(baseLock);
    const peft = m.adapters.flatMap((a, i) => (a.ref.kind === "file" && isPeftDir(localPath(a.ref.path, where)) ? [i] : []));
    const split = m.base.kind === "file" && looksLikeSplitPart(m.base.path) && splitCountOf(await readGgufFile(localPath(m.base.path, where))) !== undefined;
    return {
      node: {
        model,
        tag,
        modelfile: { path: path.relative(project.root, def.modelfile).split(path.sep).join("/"), text },
        quantize: q?.type ?? null,
        own: {
          ...(m.own.format ? { format: m.own.format } : {}),
          ...(m.projectors.length ? { projectors: m.projectors.map((p) => lock.references[formatReference(p.ref)]).filter((p) => p !== undefined).map((p) => ({ digest: p.digest, size: p.size })) } : {}),
          ...(checkpoint ? { convert: m.convert ?? "F16" } : {}),
          ...(split ? { split: true as const } : {}),
          ...(peft.length ? { peft } : {}),
          // The PEFT adapters' type when `convert:` names one (absent: F32, and documents of before stay as they were).
          ...(peft.length && m.convert && m.convert !== "F32" ? { peftConvert: m.convert } : {}),
        },
        references,
        lock: entry,
        ...(base ? { base } : {}),
      },
    };
  };
  const made = await nodeOf(hit.model, hit.tag, hit.entry, 0);
  if (!made.node) return made;
  const { base, ...top } = made.node;
  return {
    doc: {
      schemaVersion: base ? 2 : 1,
      model: top.model,
      tag: top.tag,
      modelfile: top.modelfile,
      quantize: top.quantize,
      aliases: project.aliases,
      ...(base ? { namespace: project.defaults.namespace } : {}),
      own: top.own,
      references: top.references,
      lock: top.lock,
      ...(base ? { base } : {}),
      tests: testReport ? await testSummary(testReport, hit.model) : null,
    },
  };
}

/** The summary and this model's cases of a `test --reporter json` report. */
async function testSummary(file: string, model: string): Promise<ProvenanceDocument["tests"]> {
  let report: { summary?: Record<string, number>; cases?: { id: string; name: string; model: string; status: string; score: number }[] };
  try {
    report = JSON.parse(await readFile(file, "utf8")) as typeof report;
  } catch (err) {
    throw new InputError(error("MS5754", `cannot read the test report ${file}: ${(err as Error).message}`, { hint: "give the file `modelsmith test --reporter json -o FILE` wrote" }));
  }
  if (!report.summary || !Array.isArray(report.cases)) throw new InputError(error("MS5754", `${file} is not a report of \`modelsmith test --reporter json\``, { hint: "give the file `modelsmith test --reporter json -o FILE` wrote" }));
  const cases = report.cases.filter((c) => c.model === model || c.model.startsWith(`${model}:`)).map((c) => ({ id: c.id, name: c.name, status: c.status, score: c.score }));
  return { summary: report.summary, cases };
}

/**
 * Pushes `doc` as a referrer of the pushed manifest `subject` (OCI
 * image-spec manifest.md `subject`, distribution-spec "Listing Referrers"):
 * an artifact manifest with the empty config and the document as its one
 * layer. A registry with the referrers API lists it by itself; one without
 * (Distribution 2.8, Debian's docker-registry) gets the referrers tag
 * schema: the index tagged `sha256-<hex of subject>`, to which it is added.
 */
export async function pushProvenance(doc: ProvenanceDocument, subject: { digest: Sha256Digest; size: number; mediaType: string }, remote: Remote, o: ClientOptions & { store: Store }): Promise<{ digest: Sha256Digest; listedBy: "referrers-api" | "tag-schema" }> {
  const body = await o.store.putBlobFromBuffer(`${JSON.stringify(doc, null, 2)}\n`);
  await o.store.putBlobFromBuffer("{}");
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: PROVENANCE_TYPE,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: PROVENANCE_TYPE, digest: body.digest, size: body.size }],
    subject,
    annotations: { "org.opencontainers.image.title": `provenance of ${doc.model}:${doc.tag}` },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Of(bytes) as Sha256Digest;
  await pushManifest(bytes, { ...remote, tag: undefined, digest }, o);
  const client = new RegistryClient(remote.host, remote.repository, o);
  if (await referrersApi(client, subject.digest)) return { digest, listedBy: "referrers-api" };
  const tag = `sha256-${subject.digest.slice("sha256:".length)}`;
  const res = await client.request(client.url(`manifests/${tag}`), { what: `referrers tag ${tag}`, headers: { Accept: INDEX_TYPE }, ok: [200, 404] });
  let index: { schemaVersion: 2; mediaType: string; manifests: { mediaType: string; digest: string; size: number; artifactType?: string }[] } = { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: [] };
  if (res.status === 200) {
    const parsed = JSON.parse(await res.text()) as typeof index;
    if (Array.isArray(parsed.manifests)) index = { ...parsed, mediaType: INDEX_TYPE };
  } else await res.body?.cancel();
  if (!index.manifests.some((d) => d.digest === digest)) index.manifests.push({ mediaType: OCI_MANIFEST_MEDIA_TYPE, digest, size: bytes.length, artifactType: PROVENANCE_TYPE });
  const put = await client.request(client.url(`manifests/${tag}`), { method: "PUT", what: `referrers tag ${tag} of ${describeRemote(remote)}`, headers: { "Content-Type": INDEX_TYPE }, body: () => JSON.stringify(index), ok: [200, 201] });
  await put.body?.cancel();
  return { digest, listedBy: "tag-schema" };
}

/** The referrers of `digest` from the referrers API, or undefined when the registry has none (404): distribution-spec spec.md "Listing Referrers". */
async function referrersApi(client: RegistryClient, digest: string): Promise<{ digest: string; artifactType?: string }[] | undefined> {
  const res = await client.request(client.url(`referrers/${digest}`), { what: `referrers of ${digest}`, headers: { Accept: INDEX_TYPE }, ok: [200, 404, 400, 405] });
  const type = res.headers.get("content-type")?.split(";")[0]?.trim();
  if (res.status !== 200 || type !== INDEX_TYPE) {
    await res.body?.cancel();
    return undefined;
  }
  const index = JSON.parse(await res.text()) as { manifests?: { digest: string; artifactType?: string }[] };
  return index.manifests ?? [];
}

/** The provenance referrers of `digest`: from the referrers API, else the referrers tag schema; and which one answered. */
export async function listProvenance(client: RegistryClient, digest: string): Promise<{ referrers: string[]; via: "referrers-api" | "tag-schema" }> {
  const api = await referrersApi(client, digest);
  if (api) return { referrers: api.filter((d) => d.artifactType === PROVENANCE_TYPE).map((d) => d.digest), via: "referrers-api" };
  const tag = `sha256-${digest.slice("sha256:".length)}`;
  const res = await client.request(client.url(`manifests/${tag}`), { what: `referrers tag ${tag}`, headers: { Accept: INDEX_TYPE }, ok: [200, 404] });
  if (res.status === 404) {
    await res.body?.cancel();
    return { referrers: [], via: "tag-schema" };
  }
  const index = JSON.parse(await res.text()) as { manifests?: { digest: string; artifactType?: string }[] };
  return { referrers: (index.manifests ?? []).filter((d) => d.artifactType === PROVENANCE_TYPE).map((d) => d.digest), via: "tag-schema" };
}

export interface VerifyResult {
  subject: Sha256Digest;
  via: "referrers-api" | "tag-schema";
  /** Per document: the model it describes, and (version 2) the project models it is built from, nearest first, each checked too. */
  documents: { referrer: string; model: string; tag: string; inputs: Sha256Digest; manifest: Sha256Digest; bases?: { model: string; tag: string; inputs: Sha256Digest; manifest: Sha256Digest }[] }[];
}

/**
 * `verify oci://…`: fetches the manifest and its provenance referrers, and
 * for each document: the manifest is the one the document's lock entry
 * records (the Ollama manifest itself, or the one a ModelPack/Docker
 * artifact pulls back as), the unquantized model layer is the pinned base
 * blob, and the input digest rebuilt from the document's Modelfile, pins,
 * quantization and aliases (planBuild, as `build` computes it) is the one it
 * records. Any mismatch is CheckFailedError MS5753 (exit 1); no document is MS5752 (exit 1).
 */
export async function verifyProvenance(remote: Remote, o: ClientOptions): Promise<VerifyResult> {
  const client = new RegistryClient(remote.host, remote.repository, o);
  const { fetchManifest } = await import("../manifest-fetch.js");
  const m = await fetchManifest(client, remote);
  const shown = describeRemote(remote);
  const { referrers, via } = await listProvenance(client, m.digest);
  if (!referrers.length) throw new CheckFailedError(error("MS5752", `${shown} (${m.digest}) has no provenance referrer (looked up with the ${via === "referrers-api" ? "referrers API" : "referrers tag schema"})`, { hint: "push it from the project that built it: `modelsmith push MODEL oci://… -C DIR`" }));
  const ollama = ollamaManifestOf(m.bytes, m.manifest, m.foreign !== undefined);
  const documents: VerifyResult["documents"] = [];
  for (const referrer of referrers) {
    const { bytes: rb } = await client.getBytes(client.url(`manifests/${referrer}`), { what: `referrer ${referrer}`, headers: { Accept: OCI_MANIFEST_MEDIA_TYPE } }, MAX_MANIFEST_BYTES);
    if (sha256Of(rb) !== referrer) throw new EnvironmentError(error("MS5613", `the referrer ${referrer} of ${shown} has digest ${sha256Of(rb)}`, { hint: "the registry or a proxy changed it on the way" }));
    const layer = parseManifest(rb.toString("utf8"), `referrer ${referrer}`).layers.find((l) => l.mediaType === PROVENANCE_TYPE);
    const subject = (JSON.parse(rb.toString("utf8")) as { subject?: { digest?: string } }).subject?.digest;
    if (!layer || subject !== m.digest) throw new CheckFailedError(error("MS5754", `the referrer ${referrer} of ${shown} ${layer ? `names another subject (${String(subject)})` : "has no provenance layer"}`, {}));
    const { bytes: db } = await client.getBytes(client.url(`blobs/${layer.digest}`), { what: `provenance ${layer.digest}` }, MAX_MANIFEST_BYTES);
    if (sha256Of(db) !== layer.digest) throw new EnvironmentError(error("MS5613", `the provenance blob ${layer.digest} of ${shown} has digest ${sha256Of(db)}`, { hint: "the registry or a proxy changed it on the way" }));
    const doc = parseDocument(db, referrer);
    const where = `${shown}: the provenance of ${doc.model}:${doc.tag} (referrer ${referrer.slice(0, 19)})`;
    if (ollama.digest !== doc.lock.manifest) {
      throw new CheckFailedError(error("MS5753", `${where} records manifest ${doc.lock.manifest}, but the pushed model is ${ollama.digest}`, { hint: "the artifact is not the model the document describes" }));
    }
    const inputs = rebuildInputs(doc, where);
    // The deepest base first: an altered pin is reported at the model whose document part holds it.
    for (const n of [...inputs.nodes].reverse()) {
      if (n.key === n.node.lock.inputs) continue;
      const at = n.node === doc ? where : `${where}, its base model ${n.node.model}:${n.node.tag}`;
      throw new CheckFailedError(error("MS5753", `${at}: its Modelfile and pins give input digest ${n.key}, but it records ${n.node.lock.inputs}`, { hint: "a pin, the Modelfile or the quantization in the document was changed after the build" }));
    }
    const modelLayer = ollama.manifest.layers.find((l) => l.mediaType === LAYER_MEDIA_TYPES.model);
    // No model of the chain quantized and no conversion: the weights are the bottom base's pinned bytes (a converted checkpoint's are the converter's output, which only converting again could check).
    if (inputs.nodes.every((n) => n.node.quantize === null) && !inputs.base.checkpoint && !inputs.base.split && modelLayer?.digest !== inputs.base.digest) {
      throw new CheckFailedError(error("MS5753", `${where}: the model layer is ${modelLayer?.digest ?? "missing"}, but the pinned base ${inputs.base.source} is ${inputs.base.digest}`, { hint: "an unquantized model's weights are its base's bytes" }));
    }
    const bases = inputs.nodes.slice(1).map((n) => ({ model: n.node.model, tag: n.node.tag, inputs: n.node.lock.inputs, manifest: n.node.lock.manifest }));
    documents.push({ referrer, model: doc.model, tag: doc.tag, inputs: doc.lock.inputs, manifest: doc.lock.manifest, ...(bases.length ? { bases } : {}) });
  }
  return { subject: m.digest, via, documents };
}

/** The Ollama manifest an artifact stands for: itself, or (ModelPack, Docker) the one pull rebuilds from its annotations. */
function ollamaManifestOf(bytes: Buffer, view: Manifest, foreign: boolean): { digest: Sha256Digest; manifest: Manifest } {
  if (!foreign) return { digest: sha256Of(bytes) as Sha256Digest, manifest: view };
  const { foreign: f } = ollamaView(bytes, view);
  if (f?.ollamaConfig === undefined) return { digest: sha256Of(bytes) as Sha256Digest, manifest: view };
  const config = { mediaType: CONFIG_MEDIA_TYPE, digest: sha256Of(f.ollamaConfig) as Sha256Digest, size: Buffer.byteLength(f.ollamaConfig) };
  const manifest = makeManifest(config, view.layers);
  return { digest: sha256Of(serializeManifest(manifest)) as Sha256Digest, manifest };
}

function parseDocument(bytes: Buffer, referrer: string): ProvenanceDocument {
  const bad = (why: string) => new CheckFailedError(error("MS5754", `the provenance document of referrer ${referrer} is invalid: ${why}`, { hint: "push the model again from its project" }));
  let d: ProvenanceDocument;
  try {
    d = JSON.parse(bytes.toString("utf8")) as ProvenanceDocument;
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (d?.schemaVersion !== 1 && d?.schemaVersion !== 2) throw bad("schemaVersion is not 1 or 2");
  if (d.schemaVersion === 1 && d.base !== undefined) throw bad("a version 1 document has no base");
  if (d.namespace !== undefined && typeof d.namespace !== "string") throw bad("namespace is not a string");
  let depth = 0;
  for (let n: ProvenanceNode | undefined = d, at = ""; n !== undefined; n = n.base, at += "base.") {
    if (typeof n !== "object" || n === null) throw bad(`${at.slice(0, -1)} is not an object`);
    if (++depth > MAX_CHAIN + 1) throw bad(`more than ${MAX_CHAIN} bases`);
    for (const k of ["model", "tag"] as const) if (typeof n[k] !== "string") throw bad(`${at}${k} is not a string`);
    if (typeof n.modelfile?.text !== "string" || typeof n.modelfile.path !== "string") throw bad(`${at}modelfile is not {path, text}`);
    if (!n.lock || typeof n.lock.inputs !== "string" || typeof n.lock.manifest !== "string") throw bad(`${at}lock is not {inputs, manifest}`);
    if (typeof n.references !== "object" || n.references === null) throw bad(`${at}references is not a map`);
    if (n.quantize !== null && typeof n.quantize !== "string") throw bad(`${at}quantize is not a string or null`);
    if (n.own !== undefined && (typeof n.own !== "object" || n.own === null)) throw bad(`${at}own is not an object`);
    const convert: unknown = n.own?.convert;
    if (convert !== undefined && convert !== "F32" && convert !== "F16" && convert !== "BF16") throw bad(`${at}own.convert is not F32, F16 or BF16`);
    if (n.own?.split !== undefined && n.own.split !== true) throw bad(`${at}own.split is not true`);
    const peftConvert: unknown = n.own?.peftConvert;
    if (peftConvert !== undefined && peftConvert !== "F32" && peftConvert !== "F16" && peftConvert !== "BF16") throw bad(`${at}own.peftConvert is not F32, F16 or BF16`);
    const peft: unknown = n.own?.peft;
    if (peft !== undefined && !(Array.isArray(peft) && peft.every((i) => Number.isInteger(i) && i >= 0))) throw bad(`${at}own.peft is not a list of ADAPTER line indexes`);
  }
  return d;
}

/**
 * The input digest of the document's model, as `build` computes it: each
 * Modelfile of the chain parsed, FROM and ADAPTER resolved through `aliases`
 * and rebased as in the project, each pinned by its node's `references` (or,
 * FROM a project model, planned on that model's node), then the plan of
 * those models (`namespace` for the base's names). Every node's variant key
 * comes back, the document's own first, so that each is checked against the
 * `lock.inputs` it records; `base` is the pin at the bottom of the chain.
 */
function rebuildInputs(doc: ProvenanceDocument, where: string): { nodes: { node: ProvenanceNode; key: Sha256Digest }[]; base: Pin } {
  const invalid = (why: string) => new CheckFailedError(error("MS5753", `${where}: ${why}`, { hint: "the document does not describe a build modelsmith can repeat" }));
  const chain: ProvenanceNode[] = [];
  for (let n: ProvenanceNode | undefined = doc; n !== undefined; n = n.base) chain.push(n);
  const names = chain.map((n) => n.model);
  if (new Set(names).size !== names.length) throw invalid(`its chain of base models repeats a model (${names.join(" <- ")})`);
  // The variant each node stands for: the document's as it records it (its quantization, or latest), a base's as FROM names it.
  const variantTag = (n: ProvenanceNode) => (n === doc ? (n.quantize ? n.quantize.toLowerCase() : "latest") : n.tag);
  let bottom: Pin | undefined;
  const models = chain.map((n): PlanModel => {
    const what = n === doc ? "its" : `its base model ${n.model}'s`;
    const loaded = readModelfile(Buffer.from(n.modelfile.text), n.modelfile.path);
    const typed = loaded.modelfile;
    if (!typed?.from) throw invalid(`${what} Modelfile has no FROM`);
    const dir = path.posix.dirname(n.modelfile.path);
    const rebase = (r: Reference): Reference => (r.kind === "file" ? rebaseLocalPath(r, dir === "." ? "" : dir) : r);
    const ref = parseReference(typed.from.ref, { aliases: doc.aliases ?? {}, projectModels: n.base ? [n.base.model] : [] }).reference;
    if (!ref) throw invalid(`${what} FROM \`${typed.from.ref}\` is not a reference`);
    const pinOf = (r: Reference): Pin => {
      const key = formatReference(rebase(r));
      const locked = Object.hasOwn(n.references, key) ? n.references[key] : undefined;
      if (!locked) throw invalid(`${what} document part has no pin for ${key}`);
      return { source: key, ...locked };
    };
    let base: PlanModel["base"];
    if (ref.kind === "project") {
      if (!n.base || ref.model !== n.base.model || (ref.tag ?? "latest") !== n.base.tag) throw invalid(`${what} FROM \`${typed.from.ref}\` is not the base model the document holds`);
      if (ref.digest !== undefined && ref.digest !== n.base.lock.manifest) throw invalid(`${what} FROM pins ${ref.digest}, but the base model it holds records manifest ${n.base.lock.manifest}`);
      base = { kind: "project", model: ref.model, ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
    } else {
      if (n.base) throw invalid(`${what} FROM \`${typed.from.ref}\` is not the base model ${n.base.model} the document holds`);
      const pin = pinOf(ref);
      // A checkpoint is planned as the build plans it: a convert step keyed by its files' digest and the output type.
      bottom = n.own?.convert !== undefined || isCheckpointPin(pin) ? { ...pin, checkpoint: { dir: "", files: [] } } : n.own?.split === true ? { ...pin, split: { parts: [] } } : pin;
      base = { kind: "pin", pin: bottom };
    }
    const peft = new Set(n.own?.peft ?? []);
    const loras: NonNullable<PlanModel["loras"]> = [];
    const adapters = typed.adapters.map((a, index) => {
      const r = parseAdapterReference(a.path, { file: n.modelfile.path, range: a.range }).ref;
      if (!r) throw invalid(`${what} ADAPTER \`${a.path}\` is not a reference`);
      const p = pinOf(r);
      if (peft.has(index)) loras.push({ index, dir: "", digest: p.digest, shown: a.path, at: {} });
      return { digest: p.digest, size: p.size };
    });
    const own: PlanModel["own"] = {
      ...ownLayers(typed),
      adapters,
      ...(n.own?.format ? { format: n.own.format } : typed.format?.kind === "json" ? { format: { kind: "json" } } : {}),
      ...(n.own?.projectors?.length ? { projectors: n.own.projectors } : {}),
    };
    const tag = variantTag(n);
    const quantize = n.quantize ? [{ tag: n.quantize.toLowerCase(), type: n.quantize }] : [];
    // A base's variant may be named by another tag than its type's (`tags:` in modelsmith.yaml, or the type as the project spells it).
    const tags = tag === "latest" || tag === quantize[0]?.tag ? [] : [tag];
    const convert = n.own?.convert;
    const adapterConvert = n.own?.peftConvert;
    return { name: n.model, quantize, tags, base, own, at: {}, ...(convert ? { convert } : {}), ...(adapterConvert ? { adapterConvert } : {}), ...(loras.length ? { loras } : {}) };
  });
  const { plan, diagnostics } = planBuild({ models: models.reverse(), namespace: doc.namespace ?? "library" });
  const nodes = chain.map((node) => {
    const variant = plan?.variants.find((v) => v.model === node.model && v.tag === variantTag(node));
    if (!variant) throw invalid(diagnostics.map((d) => d.message).join("; ") || `no variant ${node.model}:${variantTag(node)}`);
    return { node, key: variant.key };
  });
  return { nodes, base: bottom! };
}
