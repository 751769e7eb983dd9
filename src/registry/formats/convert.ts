import { createHash } from "node:crypto";
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import type { Layer, Manifest } from "../../store/manifest.js";
import { CONFIG_MEDIA_TYPE, FORMAT_MEDIA_TYPE, LAYER_MEDIA_TYPES, OCI_MANIFEST_MEDIA_TYPE } from "../../store/media-types.js";
import { parseModelConfig } from "../../store/model-config.js";
import type { Store } from "../../store/store.js";

/**
 * The layouts `push --format` writes. `ollama`: the store's manifest byte for
 * byte (what Ollama pulls). `modelpack`: the CNCF ModelPack layout
 * (modelpack/model-spec docs/spec.md, specs-go/v1/mediatype.go), which
 * KitOps, modctl, Harbor and Docker Model Runner read. `docker`: Docker Model
 * Runner's own (docker/model-runner pkg/distribution/types/config.go).
 * Both are OCI image manifests over the same stored blobs: only the config
 * blob is new, the weights are never re-encoded.
 */
export const PUSH_FORMATS = ["ollama", "modelpack", "docker"] as const;
export type PushFormat = (typeof PUSH_FORMATS)[number];

/** modelpack/model-spec specs-go/v1/mediatype.go */
export const MODELPACK = {
  artifactType: "application/vnd.cncf.model.manifest.v1+json",
  config: "application/vnd.cncf.model.config.v1+json",
  weightRaw: "application/vnd.cncf.model.weight.v1.raw",
  weightConfigRaw: "application/vnd.cncf.model.weight.config.v1.raw",
  docRaw: "application/vnd.cncf.model.doc.v1.raw",
  /** A Docker Model Runner extension it still reads (docker/model-runner pkg/distribution/modelpack/types.go). */
  weightGguf: "application/vnd.cncf.model.weight.v1.gguf",
  /** specs-go/v1/annotations.go AnnotationFilepath */
  filepath: "org.cncf.model.filepath",
} as const;

/** docker/model-runner pkg/distribution/types/config.go */
export const DOCKER_AI = {
  configV01: "application/vnd.docker.ai.model.config.v0.1+json",
  configV02: "application/vnd.docker.ai.model.config.v0.2+json",
  gguf: "application/vnd.docker.ai.gguf.v3",
  license: "application/vnd.docker.ai.license",
  mmproj: "application/vnd.docker.ai.mmproj",
} as const;

/**
 * modelsmith's own annotations, which let `pull` rebuild the store's manifest
 * exactly (same digest as the one that was pushed): per layer its Ollama
 * media type and `from`; on the manifest the Ollama config blob's text.
 * Other tools ignore annotations they do not know (OCI image-spec annotations.md).
 */
export const ANNOTATION = {
  mediaType: "org.modelsmith.ollama.mediatype",
  from: "org.modelsmith.ollama.from",
  name: "org.modelsmith.ollama.name",
  config: "org.modelsmith.ollama.config",
} as const;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** File names ModelPack layers carry (org.cncf.model.filepath): tools that unpack an artifact write these files. */
const FILE_NAMES: Record<string, string> = {
  [LAYER_MEDIA_TYPES.model]: "model.gguf",
  [LAYER_MEDIA_TYPES.adapter]: "adapter.gguf",
  [LAYER_MEDIA_TYPES.projector]: "mmproj.gguf",
  [LAYER_MEDIA_TYPES.template]: "template.gotmpl",
  [LAYER_MEDIA_TYPES.system]: "system.txt",
  [LAYER_MEDIA_TYPES.params]: "params.json",
  [LAYER_MEDIA_TYPES.messages]: "messages.json",
  [LAYER_MEDIA_TYPES.license]: "LICENSE",
  [FORMAT_MEDIA_TYPE]: "format.json",
};

/** The ModelPack media type of an Ollama layer: GGUFs are raw weights, LICENSE a doc, the rest configuration of the weights. */
function modelpackType(t: string): string {
  if (t === LAYER_MEDIA_TYPES.model || t === LAYER_MEDIA_TYPES.adapter || t === LAYER_MEDIA_TYPES.projector) return MODELPACK.weightRaw;
  if (t === LAYER_MEDIA_TYPES.license) return MODELPACK.docRaw;
  return MODELPACK.weightConfigRaw;
}

/** The Docker Model Runner media type of an Ollama layer: the types it has (GGUF, license, projector); the others keep Ollama's, which it skips. */
function dockerType(t: string): string {
  if (t === LAYER_MEDIA_TYPES.model) return DOCKER_AI.gguf;
  if (t === LAYER_MEDIA_TYPES.license) return DOCKER_AI.license;
  if (t === LAYER_MEDIA_TYPES.projector) return DOCKER_AI.mmproj;
  return t;
}

/** Unique file names in layer order: `LICENSE`, `LICENSE.2`, … */
function fileNames(layers: readonly Layer[]): string[] {
  const seen = new Map<string, number>();
  return layers.map((l) => {
    const base = FILE_NAMES[l.mediaType] ?? `${l.mediaType.replace(/^.*\./, "")}.bin`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : base.replace(/(\.[^.]*)?$/, (ext) => `.${n}${ext}`);
  });
}

/**
 * ModelPack's paramSize: `<count><scale-prefix>` with at most one digit
 * after the point (model-spec docs/config.md). Ollama's model_type is
 * `8.0B`, `135M`, `1.2K`: rounded to one decimal; undefined when it is not a count.
 */
export function paramSize(modelType: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMBTQ])$/i.exec(modelType.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return `${Number.isInteger(n) ? String(n) : n.toFixed(1)}${m[2]!.toUpperCase()}`;
}

/**
 * The manifest of a stored model in `format`, and the config blob it needs
 * (put in the store, so `pushManifest` uploads it like any other blob). The
 * layers are the stored ones, same digests; `ollama` returns `bytes` as they are.
 */
export async function artifactFor(store: Store, bytes: Buffer, manifest: Manifest, format: PushFormat, modelName: string): Promise<Buffer> {
  if (format === "ollama") return bytes;
  const model = manifest.layers.find((l) => l.mediaType === LAYER_MEDIA_TYPES.model);
  if (!model || manifest.config.mediaType !== CONFIG_MEDIA_TYPE) {
    throw new InputError(error("MS5751", `${modelName} cannot be pushed as ${format}: ${model ? `its config is ${manifest.config.mediaType}, not an Ollama model config` : "it has no GGUF model layer"}`, { hint: "push it with --format ollama" }));
  }
  const configText = (await store.readBlob(manifest.config.digest)).toString("utf8");
  const facts = parseModelConfig(configText);
  const names = fileNames(manifest.layers);
  const layers: Descriptor[] = manifest.layers.map((l, i) => {
    const annotations: Record<string, string> = {};
    if (format === "modelpack") annotations[MODELPACK.filepath] = names[i]!;
    annotations[ANNOTATION.mediaType] = l.mediaType;
    if (l.from) annotations[ANNOTATION.from] = l.from;
    if (l.name) annotations[ANNOTATION.name] = l.name;
    return { mediaType: format === "modelpack" ? modelpackType(l.mediaType) : dockerType(l.mediaType), digest: l.digest, size: l.size, annotations };
  });
  const diffIds = manifest.layers.map((l) => l.digest);
  let config: object;
  if (format === "modelpack") {
    // model-spec schema/config-schema.json: descriptor, config, modelfs (required); no createdAt, so the same model gives the same bytes.
    const size = paramSize(facts.modelType);
    config = {
      descriptor: { name: modelName, ...(facts.modelFamily ? { family: facts.modelFamily } : {}) },
      modelfs: { type: "layers", diffIds },
      config: { format: facts.modelFormat || "gguf", ...(size ? { paramSize: size } : {}), ...(facts.fileType && facts.fileType !== "unknown" ? { quantization: facts.fileType } : {}) },
    };
  } else {
    // docker/model-runner types.ConfigFile {config, descriptor, rootfs}; builder.go writes rootfs type "rootfs".
    config = {
      config: {
        format: facts.modelFormat || "gguf",
        ...(facts.fileType && facts.fileType !== "unknown" ? { quantization: facts.fileType } : {}),
        ...(facts.modelType ? { parameters: facts.modelType } : {}),
        ...(facts.modelFamily ? { architecture: facts.modelFamily } : {}),
      },
      descriptor: {},
      rootfs: { type: "rootfs", diff_ids: diffIds },
    };
  }
  const put = await store.putBlobFromBuffer(JSON.stringify(config));
  const out: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    // Docker Model Runner's own layout has no artifactType: its config media type names it (OCI artifacts guidance).
    ...(format === "modelpack" ? { artifactType: MODELPACK.artifactType } : {}),
    config: { mediaType: format === "modelpack" ? MODELPACK.config : DOCKER_AI.configV01, digest: put.digest, size: put.size },
    layers,
    annotations: { [ANNOTATION.config]: configText },
  };
  return Buffer.from(JSON.stringify(out));
}

/** What `fetchManifest` adds for an artifact in a foreign layout (ModelPack, Docker Model Runner). */
export interface ForeignArtifact {
  /** The layout it was found in. */
  format: "modelpack" | "docker";
  /** The Ollama config blob's text when modelsmith pushed it (annotation), to rebuild the stored manifest exactly. */
  ollamaConfig?: string;
}

const FOREIGN_CONFIGS: Record<string, ForeignArtifact["format"]> = {
  [MODELPACK.config]: "modelpack",
  [DOCKER_AI.configV01]: "docker",
  [DOCKER_AI.configV02]: "docker",
};

/**
 * Reads a pulled manifest as the store would hold it: for a ModelPack or
 * Docker Model Runner artifact, its layers with Ollama's media types (from
 * modelsmith's annotation; else the first GGUF weight becomes the model
 * layer and the other layers keep their types, as Ollama skips those it does
 * not know). The config stays the artifact's own (it is what the registry
 * holds); `foreign` says how to write the store's config. Any other manifest
 * is returned as parsed.
 */
export function ollamaView(bytes: Buffer, parsed: Manifest): { manifest: Manifest; foreign?: ForeignArtifact } {
  let raw: OciManifest;
  try {
    raw = JSON.parse(bytes.toString("utf8")) as OciManifest;
  } catch {
    return { manifest: parsed };
  }
  const format = raw.artifactType === MODELPACK.artifactType ? "modelpack" : FOREIGN_CONFIGS[raw.config?.mediaType ?? ""];
  if (!format) return { manifest: parsed };
  let model = false;
  const layers = parsed.layers.map((l, i): Layer => {
    const a = raw.layers?.[i]?.annotations ?? {};
    const own = a[ANNOTATION.mediaType];
    let mediaType = own ?? l.mediaType;
    if (own === undefined && !model && isGgufWeight(l.mediaType, a)) mediaType = LAYER_MEDIA_TYPES.model;
    if (mediaType === LAYER_MEDIA_TYPES.model) model = true;
    return { mediaType, digest: l.digest, size: l.size, ...(a[ANNOTATION.from] ? { from: a[ANNOTATION.from] } : {}), ...(a[ANNOTATION.name] ? { name: a[ANNOTATION.name] } : {}) };
  });
  const ollamaConfig = raw.annotations?.[ANNOTATION.config];
  return { manifest: { ...parsed, layers }, foreign: { format, ...(typeof ollamaConfig === "string" ? { ollamaConfig } : {}) } };
}

/** A GGUF weight layer of another tool: Docker's gguf.v3, DMR's ModelPack `.gguf`, or ModelPack raw weights named `*.gguf`. */
function isGgufWeight(mediaType: string, annotations: Record<string, string>): boolean {
  if (mediaType === DOCKER_AI.gguf || mediaType === MODELPACK.weightGguf) return true;
  return mediaType === MODELPACK.weightRaw && /\.gguf$/i.test(annotations[MODELPACK.filepath] ?? "model.gguf");
}

export const sha256Of = (b: Buffer | string): `sha256:${string}` => `sha256:${createHash("sha256").update(b).digest("hex")}`;
