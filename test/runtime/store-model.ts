import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ggufToBuffer, type GgufWriteInput } from "../../src/gguf/index.js";
import { FORMAT_MEDIA_TYPE } from "../../src/store/index.js";
import {
  CONFIG_MEDIA_TYPE, encodeMessages, encodeParams, encodeText, LAYER_MEDIA_TYPES, makeManifest, makeModelConfig, serializeModelConfig, Store, type Layer, type ParamValue,
} from "../../src/store/index.js";

/** What `modelsmith build` would put in a model's manifest, as plain values. */
export interface ModelLayersInput {
  gguf: GgufWriteInput;
  adapters?: GgufWriteInput[];
  template?: string;
  system?: string;
  params?: Record<string, ParamValue>;
  messages?: { role: string; content: string }[];
  /** "json" or a JSON Schema. */
  format?: "json" | object;
}

/**
 * Stores a model under `name` the way a build assembles one (until `modelsmith
 * build` lands): the GGUF as the model layer, then adapter, template, system,
 * params, messages and FORMAT layers, and a config blob. Returns the manifest digest.
 */
export async function storeModel(store: Store, name: string, input: ModelLayersInput): Promise<string> {
  const layers: Layer[] = [await store.putLayer(LAYER_MEDIA_TYPES.model, await ggufToBuffer(input.gguf))];
  for (const a of input.adapters ?? []) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.adapter, await ggufToBuffer(a)));
  if (input.template !== undefined) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.template, encodeText(input.template)));
  if (input.system !== undefined) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.system, encodeText(input.system)));
  if (input.params !== undefined) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams(input.params)));
  if (input.messages !== undefined) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.messages, encodeMessages(input.messages)));
  if (input.format !== undefined) layers.push(await store.putLayer(FORMAT_MEDIA_TYPE, input.format === "json" ? "json" : JSON.stringify(input.format, null, 2)));
  const config = makeModelConfig({ modelFamily: "llama", modelType: "1M", fileType: "F32", layerDigests: layers.map((l) => l.digest) });
  const configLayer = await store.putLayer(CONFIG_MEDIA_TYPE, serializeModelConfig(config));
  const written = await store.writeManifest(name, makeManifest(configLayer, layers));
  return written.digest;
}

/** A store in a fresh temp directory. */
export async function tempStore(): Promise<{ root: string; store: Store; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ms-runtime-"));
  const root = path.join(dir, "home");
  return { root, store: new Store(root), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
