import { stat } from "node:fs/promises";
import { digestHex, displayShortest, parseModelConfig, type Store, type StoredManifest } from "../store/index.js";

/** Ollama's `details` of a model, from its config blob (what `ollama list` and `/api/tags` show). */
export interface OllamaDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
}

export interface CatalogEntry {
  /** `oracle:latest`. */
  name: string;
  digestHex: string;
  size: number;
  modifiedAt: Date;
  namespace: string;
  details: OllamaDetails;
}

/** One stored model as the APIs list it. */
export async function catalogEntry(store: Store, m: StoredManifest): Promise<CatalogEntry> {
  const size = [m.manifest.config, ...m.manifest.layers].reduce((n, l) => n + l.size, 0);
  let details: OllamaDetails = { parent_model: "", format: "gguf", family: "", families: null, parameter_size: "", quantization_level: "" };
  try {
    const c = parseModelConfig((await store.readBlob(m.manifest.config.digest)).toString("utf8"));
    details = { parent_model: "", format: c.modelFormat || "gguf", family: c.modelFamily, families: c.modelFamilies, parameter_size: c.modelType, quantization_level: c.fileType };
  } catch {
    // a config modelsmith cannot read: listed with empty details, as Ollama does
  }
  return { name: displayShortest(m.name), digestHex: digestHex(m.digest), size, modifiedAt: (await stat(m.path)).mtime, namespace: m.name.namespace, details };
}

/** Every readable model in the store, sorted by name, filtered by `keep`. */
export async function catalog(store: Store, keep: (fullName: string) => boolean = () => true): Promise<CatalogEntry[]> {
  const { manifests } = await store.listManifests();
  const out: CatalogEntry[] = [];
  for (const m of manifests) {
    if (!keep(displayShortest(m.name))) continue;
    out.push(await catalogEntry(store, m));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
