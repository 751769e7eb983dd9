import { readModelFacts, type ModelFacts } from "./model-facts.js";
import { namedTemplate } from "../templates/index.js";
import { FORMAT_MEDIA_TYPE, formatLayerText, type OwnLayerDefs, type ResolvedOwnLayerDefs } from "./own-layers.js";
import { deriveLayers, mergeParams, type OwnLayers } from "../store/derive.js";
import { decodeParams, encodeMessages, encodeParams, encodeText } from "../store/layer-content.js";
import type { Layer, Manifest } from "../store/manifest.js";
import { LAYER_MEDIA_TYPES } from "../store/media-types.js";
import type { Store } from "../store/store.js";

export interface AssembleInput {
  /** The model layer (GGUF weights), already in the store. */
  model: Layer;
  /** Layers of the model this one is built FROM (a project model, or a pinned registry base), and its name (written as `from`). */
  base?: { layers: readonly Layer[]; from: string };
  own: ResolvedOwnLayerDefs;
}

/**
 * Puts a model's own small layers and its config blob in the store and
 * returns its manifest (not yet written under any name). Layer order and
 * inheritance follow Ollama's create (store/derive.ts); the FORMAT layer,
 * modelsmith's own, comes last and replaces an inherited one.
 */
export async function assembleManifest(store: Store, input: AssembleInput): Promise<Manifest> {
  const { own } = input;
  const facts = await readModelFacts(store.blobPath(input.model.digest));
  const detected = input.base ? [] : await detectedLayers(store, facts, own);
  const inherited = input.base?.layers ?? detected;
  const inheritedParams = inherited.find((l) => l.mediaType === LAYER_MEDIA_TYPES.params);
  const params = mergeParams(inheritedParams ? decodeParams(await store.readBlob(inheritedParams.digest)) : {}, own.params);
  // The base's own model layer stays inherited (and marked `from`), as in Ollama; a re-quantized one replaces it.
  const inheritedModel = inherited.some((l) => l.mediaType === LAYER_MEDIA_TYPES.model && l.digest === input.model.digest);
  const layers: OwnLayers = {
    ...(inheritedModel ? {} : { model: input.model }),
    projectors: (own.projectors ?? []).map((p) => ({ mediaType: LAYER_MEDIA_TYPES.projector, ...p })),
    adapters: own.adapters.map((a) => ({ mediaType: LAYER_MEDIA_TYPES.adapter, ...a })),
    licenses: await Promise.all(own.licenses.map((t) => store.putLayer(LAYER_MEDIA_TYPES.license, encodeText(t)))),
  };
  if (own.template !== undefined) layers.template = await store.putLayer(LAYER_MEDIA_TYPES.template, encodeText(own.template));
  if (own.system !== undefined) layers.system = own.system === "" && input.base ? null : await store.putLayer(LAYER_MEDIA_TYPES.system, encodeText(own.system));
  if (Object.keys(params).length) layers.params = await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams(params));
  if (own.messages.length) layers.messages = await store.putLayer(LAYER_MEDIA_TYPES.messages, encodeMessages(own.messages));
  let all = deriveLayers(inherited, layers, input.base ? { from: input.base.from } : {});
  if (own.format) {
    all = all.filter((l) => l.mediaType !== FORMAT_MEDIA_TYPE);
    all.push(await store.putLayer(FORMAT_MEDIA_TYPE, encodeText(formatLayerText(own.format))));
  }
  return store.assembleManifest({ modelFamily: facts.family, modelType: facts.modelType, fileType: facts.fileType, ...(own.requires ? { requires: own.requires } : {}) }, all);
}

/**
 * Ollama's `detectChatTemplate` (ollama/ollama server/model.go), run when a
 * model is created from a file rather than from another model: when the GGUF
 * has a chat template Ollama recognises (templates/named.ts), a TEMPLATE layer
 * with its Go template and a params layer with its `stop` list, taken as the
 * base's layers (the Modelfile's TEMPLATE replaces the first, its PARAMETERs
 * merge into the second, as in Ollama's create).
 */
async function detectedLayers(store: Store, facts: ModelFacts, own: OwnLayerDefs): Promise<Layer[]> {
  if (facts.chatTemplate === undefined) return [];
  const named = namedTemplate(facts.chatTemplate);
  if (!named) return [];
  // A TEMPLATE of the Modelfile replaces the detected one (not stored then); the detected stop list stays, as in Ollama.
  const layers = own.template === undefined ? [await store.putLayer(LAYER_MEDIA_TYPES.template, encodeText(named.template))] : [];
  if (named.parameters) layers.push(await store.putLayer(LAYER_MEDIA_TYPES.params, encodeParams({ stop: named.parameters.stop })));
  return layers;
}
