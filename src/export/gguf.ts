import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, error, InputError, ModelsmithError } from "../diagnostics/index.js";
import { readGgufFile, writeGguf, type GgufTensorInput } from "../gguf/index.js";
import { loadModelDetails, type ModelDetails } from "../inspect/index.js";
import { displayShortest, type NameInput, type Store } from "../store/index.js";
import { exportMetadata } from "./gguf-metadata.js";

export interface GgufExportResult {
  file: string;
  size: number;
  /** sha256 of the written file, hex. */
  sha256: string;
  /** The `modelsmith.*` keys written (see exportMetadata). */
  keys: string[];
}

/** Bytes read per chunk when streaming tensor data from the model blob. */
const CHUNK = 4 << 20;

/**
 * Writes a stored model as ONE GGUF file that plain llama.cpp loads: the
 * model blob's header rewritten with the model's TEMPLATE, SYSTEM,
 * PARAMETERs, MESSAGEs, LICENSE, FORMAT and REQUIRES added under
 * `modelsmith.*` (see exportMetadata), and its tensors' data streamed from
 * the blob unchanged (same names, shapes, types and bytes; memory stays at one
 * chunk). The file appears atomically (written beside it, then renamed) and an
 * existing file is replaced. Errors: MS5102 unknown model; MS5304 no model
 * layer; MS5320 the model has ADAPTER or projector layers (one GGUF holds one
 * set of weights); MS5321 the file cannot be written.
 */
export async function exportToGguf(store: Store, name: NameInput, file: string): Promise<GgufExportResult> {
  const d = await loadModelDetails(store, name);
  const modelLayer = d.modelLayer;
  if (!modelLayer) throw new InputError(error("MS5304", `model ${displayShortest(d.stored.name)} has no GGUF model layer`, { file: d.stored.path, hint: "rebuild the model" }));
  refuseExtraWeights(d);
  const blob = store.blobPath(modelLayer.digest);
  const source = await readGgufFile(blob);
  const format = d.format ? (await store.readBlob(d.format.layer.digest)).toString("utf8") : undefined;
  const metadata = exportMetadata(source.metadata, d, format === undefined ? {} : { format });
  const handle = await open(blob, "r");
  try {
    const tensors: GgufTensorInput[] = source.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, data: () => readRange(handle, t.fileOffset, t.size) }));
    const target = path.resolve(file);
    const written = await writeGguf(target, { version: source.version === 2 ? 2 : 3, metadata, tensors }).catch((err: unknown) => {
      if (err instanceof ModelsmithError || typeof (err as NodeJS.ErrnoException).code !== "string") throw err;
      throw new EnvironmentError(error("MS5321", `cannot write ${target}: ${(err as Error).message}`, { hint: "check that the directory exists and is writable, and that the disk has room" }), { cause: err });
    });
    return { file: target, size: written.size, sha256: written.sha256, keys: metadata.map(([k]) => k).filter((k) => k.startsWith("modelsmith.")) };
  } finally {
    await handle.close();
  }
}

function refuseExtraWeights(d: ModelDetails): void {
  const extra = [...(d.adapters.length ? [`${d.adapters.length} ADAPTER layer(s)`] : []), ...(d.projectors.length ? [`${d.projectors.length} projector layer(s)`] : [])];
  if (extra.length === 0) return;
  throw new InputError(
    error("MS5320", `model ${displayShortest(d.stored.name)} has ${extra.join(" and ")}, which one GGUF file cannot hold`, { hint: "export it with --ollama instead, which keeps every layer" }),
  );
}

async function* readRange(handle: FileHandle, start: number, length: number): AsyncGenerator<Uint8Array> {
  let done = 0;
  while (done < length) {
    const n = Math.min(CHUNK, length - done);
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await handle.read(buf, 0, n, start + done);
    if (bytesRead === 0) return;
    done += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}
