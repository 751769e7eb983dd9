import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CONFIG_MEDIA_TYPE,
  encodeMessages,
  encodeParams,
  LAYER_MEDIA_TYPES,
  makeManifest,
  makeModelConfig,
  serializeModelConfig,
  Store,
  type Layer,
  type ParamValue,
} from "../../src/store/index.js";
import { writeTestModel, type OracleLlamaSpec } from "../../src/testmodels/index.js";

/** The oracle every store-command test uses: default sentence, F32, 1 layer. */
export const ORACLE: OracleLlamaSpec = {};

/** A Go TEMPLATE of Ollama's kind (not Jinja), as the tutorial's code assistant has. */
export const TEMPLATE = "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}<|user|>\n{{ .Prompt }}<|end|>\n<|assistant|>\n";
export const SYSTEM = "You are a senior software engineer.\nAnswer with code first.\nKeep it short.";
export const PARAMS: Record<string, ParamValue> = { num_ctx: 4096, stop: ["<|end|>", "<|user|>"], temperature: 0.2 };
export const MESSAGES = [
  { role: "user", content: "What is 2+2?" },
  { role: "assistant", content: "4" },
];
export const LICENSE = "MIT License\n\nCopyright (c) modelsmith tests";

export interface SeededStore {
  dir: string;
  home: string;
  store: Store;
  /** Layers by role; `model` is the oracle GGUF shared by both models. */
  layers: {
    model: Layer;
    configA: Layer;
    configB: Layer;
    template: Layer;
    system: Layer;
    params: Layer;
    messages: Layer;
    license: Layer;
    systemB: Layer;
    paramsB: Layer;
  };
  /** Path of the oracle GGUF written outside the store (for comparisons). */
  ggufFile: string;
  cleanup: () => Promise<void>;
}

/**
 * A temp store (at `<dir>/home`, pass it as MODELSMITH_HOME) holding two
 * models built by hand with the Store API, the way `build` assembles them
 * (not depending on it):
 *
 * - `code-assistant:latest`: oracle GGUF + template + system + params + messages + license, and its config;
 * - `json-extractor:latest`: the same GGUF, its own system and params, and its own config.
 *
 * So the GGUF blob is shared by both and every other blob is used by one.
 */
export async function seededStore(): Promise<SeededStore> {
  const dir = await mkdtemp(path.join(tmpdir(), "ms-storecli-"));
  const home = path.join(dir, "home");
  const store = new Store(home);
  const ggufFile = path.join(dir, "oracle.gguf");
  await writeTestModel(ggufFile, { kind: "oracle", ...ORACLE });
  const ingested = await store.ingestFile(ggufFile, { methods: ["copy"] });
  const model: Layer = { mediaType: LAYER_MEDIA_TYPES.model, digest: ingested.digest, size: ingested.size };
  const template = await store.putLayer(LAYER_MEDIA_TYPES.template, TEMPLATE);
  const system = await store.putLayer(LAYER_MEDIA_TYPES.system, SYSTEM);
  const params = await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams(PARAMS));
  const messages = await store.putLayer(LAYER_MEDIA_TYPES.messages, encodeMessages(MESSAGES));
  const license = await store.putLayer(LAYER_MEDIA_TYPES.license, LICENSE);
  const systemB = await store.putLayer(LAYER_MEDIA_TYPES.system, "Reply with JSON only.");
  const paramsB = await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams({ temperature: 0 }));

  const layersA = [model, template, system, license, params, messages];
  const layersB = [model, systemB, paramsB];
  const configA = await putConfig(store, layersA);
  const configB = await putConfig(store, layersB);
  await store.writeManifest("code-assistant", makeManifest(configA, layersA));
  await store.writeManifest("json-extractor", makeManifest(configB, layersB));
  return {
    dir,
    home,
    store,
    layers: { model, configA, configB, template, system, params, messages, license, systemB, paramsB },
    ggufFile,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function putConfig(store: Store, layers: Layer[]): Promise<Layer> {
  const config = makeModelConfig({ modelFamily: "llama", modelType: "2.10M", fileType: "F32", layerDigests: layers.map((l) => l.digest) });
  return store.putLayer(CONFIG_MEDIA_TYPE, serializeModelConfig(config));
}

/** Sum of the sizes of distinct layers. */
export function bytesOf(...layers: Layer[]): number {
  return [...new Map(layers.map((l) => [l.digest, l.size])).values()].reduce((a, b) => a + b, 0);
}
