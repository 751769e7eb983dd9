import { isModelLayerType } from "../../registry/manifest-fetch.js";
import { findManifestPath, readManifestFile } from "../../store/manifest-files.js";
import type { Store } from "../../store/store.js";
import { formatReference } from "../format-reference.js";
import type { OllamaReference, Sha256Digest } from "../reference-types.js";
import type { Pin } from "./pin.js";

/**
 * The pin of an Ollama name the store already holds (pulled, created or
 * built earlier), read from its stored manifest without the network, or
 * undefined when the store has no manifest under that name (or one with
 * another digest than the reference pins). As Ollama's create does: the local
 * model first, a pull only when it is missing
 * (https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/model.go#L40-L55).
 * The pin is the one the registry source makes of the same manifest: the
 * locator carries the manifest digest, the model layer is the pinned blob, and
 * the other layers are inherited.
 */
export async function storedPin(ref: OllamaReference, store: Store): Promise<Pin | undefined> {
  const file = await findManifestPath(store.layout, { host: ref.host, namespace: ref.namespace, model: ref.model, tag: ref.tag });
  if (file === undefined) return undefined;
  const stored = await readManifestFile(store.layout, file);
  if (ref.digest !== undefined && stored.digest !== ref.digest) return undefined;
  const model = stored.manifest.layers.find((l) => isModelLayerType(l.mediaType));
  if (!model) return undefined;
  const layers = stored.manifest.layers.filter((l) => !isModelLayerType(l.mediaType)).map((l) => ({ mediaType: l.mediaType, digest: l.digest as Sha256Digest, size: l.size }));
  return {
    source: formatReference(ref),
    locator: formatReference({ ...ref, digest: stored.digest as Sha256Digest }),
    digest: model.digest as Sha256Digest,
    size: model.size,
    ...(layers.length ? { layers } : {}),
  };
}
