import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Store } from "../store/store.js";

/**
 * What a build step made, by the step's key, so that a rebuild with the same
 * key does nothing: `<store>/cache/build/<key hex>.json`. A quantize step
 * records its output blob; an assemble step its manifest bytes. A record is
 * only trusted when the blobs it names are still in the store (gc may have
 * removed them), which the executor checks.
 */
export type StepRecord = { kind: "quantize" | "convert"; digest: Sha256Digest; size: number } | { kind: "assemble"; manifest: string; digest: Sha256Digest };

function recordFile(store: Store, key: Sha256Digest): string {
  return path.join(store.root, "cache", "build", `${key.slice("sha256:".length)}.json`);
}

export async function readStepRecord(store: Store, key: Sha256Digest): Promise<StepRecord | undefined> {
  try {
    const rec = JSON.parse(await readFile(recordFile(store, key), "utf8")) as StepRecord;
    if ((rec.kind === "quantize" || rec.kind === "convert") && typeof rec.digest === "string" && typeof rec.size === "number") return rec;
    if (rec.kind === "assemble" && typeof rec.manifest === "string" && typeof rec.digest === "string") return rec;
    return undefined;
  } catch {
    return undefined;
  }
}

/** Writes the record atomically (temp file + rename). */
export async function writeStepRecord(store: Store, key: Sha256Digest, record: StepRecord): Promise<void> {
  const file = recordFile(store, key);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(record)}\n`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
