import { displayShortest, formatModelName, type StoreUsage } from "../store/index.js";
import { humanBytes, plural } from "./human.js";
import { renderColumns } from "./table.js";

/**
 * `du` as text: one row per model, NAME, SIZE (bytes of all its blobs, as
 * they are on disk), UNIQUE (what removing it frees), SHARED (with other
 * models); then the store's total and what it is made of. Pure.
 *
 *     NAME                     SIZE      UNIQUE    SHARED
 *     code-assistant:latest    2.1 MB    1.2 KB    2.1 MB
 *
 *     store total 2.1 MB: models 2.1 MB, unreferenced 0 B (prune), temp files 0 B
 */
export function renderDu(u: StoreUsage): string {
  const rows = [["NAME", "SIZE", "UNIQUE", "SHARED"], ...u.models.map((m) => [displayShortest(m.name), humanBytes(m.totalBytes), humanBytes(m.uniqueBytes), humanBytes(m.sharedBytes)])];
  const total = `store total ${humanBytes(u.totalBytes)}: models ${humanBytes(u.referencedBytes)}, unreferenced ${humanBytes(u.unreferencedBytes)} (prune), temp files ${humanBytes(u.tempBytes)}\n`;
  const linked = u.linkedBytes > 0 ? `${humanBytes(u.linkedBytes)} of it hardlinked with files outside the store\n` : "";
  const missing = u.missing.length > 0 ? `${plural(u.missing.length, "blob")} missing: run \`modelsmith verify\`\n` : "";
  return `${renderColumns(rows)}\n${total}${linked}${missing}`;
}

/** `du --json`: the usage with names as strings; every number in bytes. */
export function duJson(u: StoreUsage): Record<string, unknown> {
  return {
    models: u.models.map((m) => ({ name: displayShortest(m.name), fullName: formatModelName(m.name), digest: m.digest, totalBytes: m.totalBytes, uniqueBytes: m.uniqueBytes, sharedBytes: m.sharedBytes })),
    referencedBytes: u.referencedBytes,
    unreferencedBytes: u.unreferencedBytes,
    tempBytes: u.tempBytes,
    totalBytes: u.totalBytes,
    linkedBytes: u.linkedBytes,
    missing: u.missing,
  };
}
