import { stat } from "node:fs/promises";
import type { Diagnostic } from "../diagnostics/index.js";
import { digestHex, displayShortest, formatModelName, type Digest, type Store } from "../store/index.js";
import { humanAge, humanBytes } from "./human.js";
import { renderColumns } from "./table.js";

/** One row of `ls`. */
export interface ListedModel {
  /** Ollama's shortest display name, e.g. `code-assistant:latest`. */
  name: string;
  fullName: string;
  /** First 12 hex digits of the manifest digest (`ollama list`'s ID). */
  id: string;
  digest: Digest;
  /** Sum of the sizes the manifest declares, config included (`ollama list`'s SIZE). */
  size: number;
  /** The manifest file's mtime, ISO 8601. */
  modifiedAt: string;
}

/** Every model in the store, sorted by name; unreadable manifests come back as problems. */
export async function listModels(store: Store): Promise<{ models: ListedModel[]; problems: Diagnostic[] }> {
  const { manifests, problems } = await store.listManifests();
  const models: ListedModel[] = [];
  for (const m of manifests) {
    const st = await stat(m.path);
    models.push({
      name: displayShortest(m.name),
      fullName: formatModelName(m.name),
      id: digestHex(m.digest).slice(0, 12),
      digest: m.digest,
      size: [m.manifest.config, ...m.manifest.layers].reduce((n, l) => n + l.size, 0),
      modifiedAt: st.mtime.toISOString(),
    });
  }
  models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { models, problems };
}

/** The `ls` table: NAME, ID, SIZE, MODIFIED (relative to `nowMs`), as `ollama list` prints it. Pure. */
export function renderList(models: readonly ListedModel[], nowMs: number): string {
  const rows = [["NAME", "ID", "SIZE", "MODIFIED"], ...models.map((m) => [m.name, m.id, humanBytes(m.size), humanAge(Date.parse(m.modifiedAt), nowMs)])];
  return renderColumns(rows);
}
