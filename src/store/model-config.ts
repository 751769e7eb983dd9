import type { Digest } from "./digest.js";
import { goEncode, GoStruct, type GoValue } from "./go-json.js";

/**
 * The config blob of a model (`application/vnd.docker.container.image.v1+json`),
 * Ollama's `model.ConfigV2`:
 *
 *     {"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"8.0B",
 *      "file_type":"Q4_K_M",["renderer":…,"parser":…,"requires":…,]"architecture":"amd64","os":"linux",
 *      "rootfs":{"type":"layers","diff_ids":["sha256:…",…]}}
 *
 * `model_type` is the parameter count as Ollama prints it (format.HumanNumber:
 * "8.0B", "135M"), `file_type` the GGUF file type name ("Q4_K_M", "F16").
 * `architecture`/`os` are the constants Ollama writes whatever the host is
 * ("amd64", "linux"): they describe no machine, so the blob is the same
 * everywhere. No timestamps, paths or tool versions.
 *
 * `rootfs` lists the layer digests in order. Ollama wrote it until August 2026
 * (ollama/ollama#17619 dropped it as unread); every Ollama version reads a
 * config with or without it. modelsmith keeps it by default because OCI tools
 * that inspect pushed images expect an image config to have one; pass
 * `rootfs: undefined` for the byte-exact config of a current `ollama create`.
 */
export interface ModelConfig {
  modelFormat: string;
  modelFamily: string;
  /** Go writes a nil slice as null; `[]` and `null` are both what Ollama may have written. */
  modelFamilies: string[] | null;
  modelType: string;
  fileType: string;
  renderer?: string;
  parser?: string;
  /** Minimum Ollama version (REQUIRES), without a leading v. */
  requires?: string;
  architecture: string;
  os: string;
  rootfs?: { type: string; diffIds: Digest[] };
}

export interface ModelConfigInput {
  /** Default "gguf". */
  modelFormat?: string;
  /** general.architecture of the model GGUF, e.g. "llama". */
  modelFamily: string;
  modelType: string;
  fileType: string;
  requires?: string;
  renderer?: string;
  parser?: string;
  /** The manifest's layer digests, in order, for rootfs.diff_ids; omit for a config without rootfs. */
  layerDigests?: readonly Digest[];
}

/** The config Ollama's create writes for a model with these facts. */
export function makeModelConfig(input: ModelConfigInput): ModelConfig {
  const config: ModelConfig = {
    modelFormat: input.modelFormat ?? "gguf",
    modelFamily: input.modelFamily,
    modelFamilies: [input.modelFamily],
    modelType: input.modelType,
    fileType: input.fileType,
    architecture: "amd64",
    os: "linux",
  };
  if (input.renderer) config.renderer = input.renderer;
  if (input.parser) config.parser = input.parser;
  if (input.requires) config.requires = input.requires;
  if (input.layerDigests) config.rootfs = { type: "layers", diffIds: [...input.layerDigests] };
  return config;
}

/** The config blob's bytes, as Ollama's createConfigLayer encodes ConfigV2. */
export function serializeModelConfig(c: ModelConfig): string {
  const fields: Array<readonly [string, GoValue | undefined]> = [
    ["model_format", c.modelFormat],
    ["model_family", c.modelFamily],
    ["model_families", c.modelFamilies],
    ["model_type", c.modelType],
    ["file_type", c.fileType],
    ["renderer", c.renderer || undefined],
    ["parser", c.parser || undefined],
    ["requires", c.requires || undefined],
    ["architecture", c.architecture],
    ["os", c.os],
  ];
  if (c.rootfs) fields.push(["rootfs", new GoStruct([["type", c.rootfs.type], ["diff_ids", c.rootfs.diffIds]])]);
  return goEncode(new GoStruct(fields));
}

/** Reads a config blob (written by modelsmith or Ollama); unknown fields are ignored, missing ones empty. */
export function parseModelConfig(text: string): ModelConfig {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const str = (k: string): string => (typeof raw[k] === "string" ? (raw[k] as string) : "");
  const config: ModelConfig = {
    modelFormat: str("model_format"),
    modelFamily: str("model_family"),
    modelFamilies: Array.isArray(raw.model_families) ? raw.model_families.filter((f): f is string => typeof f === "string") : null,
    modelType: str("model_type"),
    fileType: str("file_type"),
    architecture: str("architecture"),
    os: str("os"),
  };
  for (const [key, field] of [["renderer", "renderer"], ["parser", "parser"], ["requires", "requires"]] as const) if (str(key)) config[field] = str(key);
  const rootfs = raw.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (rootfs && typeof rootfs === "object") {
    config.rootfs = { type: typeof rootfs.type === "string" ? rootfs.type : "", diffIds: Array.isArray(rootfs.diff_ids) ? (rootfs.diff_ids.filter((d) => typeof d === "string") as Digest[]) : [] };
  }
  return config;
}
