import { LAYER_MEDIA_TYPES } from "./media-types.js";
import type { ParamValue } from "./layer-content.js";
import type { Layer } from "./manifest.js";

/**
 * Ollama's rules for a model built FROM another model (`server/create.go`),
 * as pure functions over layer lists. The layers passed in are already in the
 * store; these functions only decide the order of the new manifest.
 *
 * Result order, as Ollama's createModel builds it:
 *   inherited layers (model layer replaced in place by `model`, a re-quantized
 *   or own GGUF; TEMPLATE/SYSTEM/params/messages layers dropped when replaced)
 *   + adapters + template + system + licenses + params + messages.
 *
 * - model: replaces the inherited model layer in place (quantizing a base keeps
 *   its position); first when the base has none (FROM a GGUF file: base is []).
 * - adapters, licenses: appended after the inherited ones; never replace.
 * - template, system: a new layer replaces the inherited one.
 * - params: pass the layer of the MERGED parameters (`mergeParams`) whenever
 *   the merged set is not empty, as Ollama re-encodes them on every create;
 *   it replaces the inherited params layer (and so moves to the end).
 * - messages: any MESSAGE replaces the inherited history as a whole; none keeps it.
 * - `from`: when set, every inherited layer gets it (Ollama writes the base's
 *   `displayShortest` name); otherwise inherited layers keep theirs.
 *
 * Where modelsmith differs from Ollama, on purpose:
 * - `template: null` / `system: null` remove the inherited layer (so `SYSTEM ""`
 *   clears a base's system prompt); Ollama cannot unset them in a derived model.
 * - a replaced layer's blob is not deleted at build time, as Ollama's
 *   removeLayer does when no manifest uses it; `gc()` reclaims it later, so a
 *   concurrent build or a rollback to the old manifest still finds it.
 */
export interface OwnLayers {
  model?: Layer;
  /** Vision projectors, right after the layers kept from the base (Ollama: the model's files, then adapters). */
  projectors?: readonly Layer[];
  adapters?: readonly Layer[];
  template?: Layer | null;
  system?: Layer | null;
  licenses?: readonly Layer[];
  params?: Layer;
  messages?: Layer;
}

export interface DeriveOptions {
  /** Written as `from` on every inherited layer, e.g. displayShortest(baseName). */
  from?: string;
}

export function deriveLayers(base: readonly Layer[], own: OwnLayers, options: DeriveOptions = {}): Layer[] {
  const replaced = new Set<string>();
  if (own.template !== undefined) replaced.add(LAYER_MEDIA_TYPES.template);
  if (own.system !== undefined) replaced.add(LAYER_MEDIA_TYPES.system);
  if (own.params !== undefined) replaced.add(LAYER_MEDIA_TYPES.params);
  if (own.messages !== undefined) replaced.add(LAYER_MEDIA_TYPES.messages);

  const layers: Layer[] = [];
  let modelPlaced = own.model === undefined;
  for (const layer of base) {
    if (layer.mediaType === LAYER_MEDIA_TYPES.model && own.model !== undefined) {
      if (!modelPlaced) layers.push({ ...own.model });
      modelPlaced = true;
      continue;
    }
    if (replaced.has(layer.mediaType)) continue;
    layers.push(options.from ? { ...layer, from: options.from } : { ...layer });
  }
  if (!modelPlaced && own.model) layers.unshift({ ...own.model });

  for (const l of own.projectors ?? []) layers.push({ ...l });
  for (const l of own.adapters ?? []) layers.push({ ...l });
  if (own.template) layers.push({ ...own.template });
  if (own.system) layers.push({ ...own.system });
  for (const l of own.licenses ?? []) layers.push({ ...l });
  if (own.params) layers.push({ ...own.params });
  if (own.messages) layers.push({ ...own.messages });
  return layers;
}

/**
 * Ollama's parameter inheritance: the derived model's parameters win key by
 * key; inherited keys it does not set are kept. A list (`stop`) is one value:
 * setting `stop` replaces the inherited list, it does not extend it.
 */
export function mergeParams(inherited: Readonly<Record<string, ParamValue>>, own: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  return { ...inherited, ...own };
}
