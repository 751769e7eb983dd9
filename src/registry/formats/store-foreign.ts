import { readModelFacts } from "../../build/model-facts.js";
import { makeManifest, type Manifest } from "../../store/manifest.js";
import { CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPES } from "../../store/media-types.js";
import { formatModelName, type ModelName } from "../../store/name.js";
import { error } from "../../diagnostics/diagnostic.js";
import { EnvironmentError } from "../../diagnostics/errors.js";
import type { Store } from "../../store/store.js";
import type { WrittenManifest } from "../../store/manifest-write.js";
import type { ForeignArtifact } from "./convert.js";

/**
 * Writes a pulled ModelPack or Docker Model Runner artifact into the store
 * as an Ollama manifest over the same layer blobs (already downloaded). The
 * config: the Ollama config modelsmith annotated when it pushed (so the
 * stored manifest is byte for byte the one that was pushed), else one made
 * from the model GGUF's header, as `create` makes it.
 */
export async function writeForeign(store: Store, name: ModelName, view: Manifest, foreign: ForeignArtifact): Promise<WrittenManifest> {
  let manifest: Manifest;
  if (foreign.ollamaConfig !== undefined) {
    manifest = makeManifest(await store.putLayer(CONFIG_MEDIA_TYPE, foreign.ollamaConfig), view.layers);
  } else {
    const model = view.layers.find((l) => l.mediaType === LAYER_MEDIA_TYPES.model);
    if (!model) throw new EnvironmentError(error("MS5614", `${formatModelName(name)} (a ${foreign.format} artifact) has no GGUF weight layer (its layers: ${view.layers.map((l) => l.mediaType).join(", ") || "none"})`, { hint: "modelsmith stores GGUF models; pull an artifact whose weights are a GGUF file" }));
    const facts = await readModelFacts(store.blobPath(model.digest));
    manifest = await store.assembleManifest({ modelFamily: facts.family, modelType: facts.modelType, fileType: facts.fileType }, view.layers);
  }
  return store.writeManifest(name, manifest);
}
