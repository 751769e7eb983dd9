import fs from "node:fs/promises";
import { error } from "../diagnostics/diagnostic.js";
import { InputError, ModelsmithError } from "../diagnostics/errors.js";
import { readGguf, type GgufFile } from "../gguf/reader.js";
import { bufferSource } from "../gguf/source.js";
import { GgmlType } from "../gguf/tensorTypes.js";
import type { KvOverride } from "./ffi.js";

/**
 * Importance matrices, as llama-quantize reads them (common/imatrix-loader.cpp
 * and load_imatrix in tools/quantize/quantize.cpp of the pinned llama.cpp):
 *
 * - GGUF (llama-imatrix's default): per tensor `<name>.in_sum2` (F32, the
 *   summed squared activations, one row per expert) and `<name>.counts` (F32,
 *   one count per expert); the value is in_sum2 / count, or 1 where the count
 *   is 0. The keys `imatrix.datasets`, `imatrix.chunk_count` and
 *   `imatrix.chunk_size` must all be present.
 * - legacy .dat: i32 n_entries, then per entry i32 name length, the name,
 *   i32 ncall, i32 nval, nval f32; optionally i32 chunk count, i32 dataset
 *   name length, dataset name. The value is sum / ncall (the sum when ncall is 0).
 */
export interface Imatrix {
  /** Tensor name -> one importance value per column (per expert, concatenated). */
  entries: Map<string, Float32Array>;
  datasets: string[];
  chunkCount: number;
}

const invalid = (file: string, why: string) => new InputError(error("MS5508", `invalid importance matrix: ${why}`, { file }));

export async function loadImatrix(file: string): Promise<Imatrix> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new InputError(error("MS5508", `cannot read importance matrix: ${(e as Error).message}`, { file }), { cause: e });
  }
  if (bytes.subarray(0, 4).toString("latin1") === "GGUF") return parseGgufImatrix(file, bytes);
  return parseLegacyImatrix(bytes, file);
}

/** Parses the legacy .dat format (pure). */
export function parseLegacyImatrix(bytes: Buffer, file = "<imatrix>"): Imatrix {
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw invalid(file, `the file ends inside ${what}`);
  };
  const i32 = (what: string) => {
    need(4, what);
    const v = bytes.readInt32LE(at);
    at += 4;
    return v;
  };
  const count = bytes.length >= 4 ? bytes.readInt32LE(0) : 0;
  if (count < 1) throw invalid(file, "no entries (neither a GGUF nor a legacy imatrix file)");
  at = 4;
  const entries = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const len = i32(`the name of entry ${i + 1}`);
    if (len < 0) throw invalid(file, `negative name length in entry ${i + 1}`);
    need(len, `the name of entry ${i + 1}`);
    const name = bytes.toString("utf8", at, at + len);
    at += len;
    const ncall = i32(`entry ${name}`);
    const nval = i32(`entry ${name}`);
    if (nval < 1) throw invalid(file, `entry ${name} has no values`);
    need(nval * 4, `the values of ${name}`);
    const values = new Float32Array(nval);
    for (let j = 0; j < nval; j++) {
      const sum = bytes.readFloatLE(at + j * 4);
      values[j] = ncall > 0 ? sum / ncall : sum;
    }
    at += nval * 4;
    entries.set(name, values);
  }
  let chunkCount = 0;
  const datasets: string[] = [];
  if (at + 4 <= bytes.length) {
    chunkCount = bytes.readInt32LE(at);
    at += 4;
    if (at + 4 <= bytes.length) {
      const len = bytes.readInt32LE(at);
      at += 4;
      if (len > 0 && at + len <= bytes.length) datasets.push(bytes.toString("utf8", at, at + len));
    }
  }
  return { entries, datasets, chunkCount };
}

async function parseGgufImatrix(file: string, bytes: Buffer): Promise<Imatrix> {
  let gguf: GgufFile;
  try {
    gguf = await readGguf(bufferSource(bytes, file));
  } catch (e) {
    if (e instanceof ModelsmithError) throw invalid(file, e.diagnostics.map((d) => d.message).join("; "));
    throw e;
  }
  const value = (key: string) => gguf.metadata.get(key)?.value;
  const datasets = value("imatrix.datasets");
  const chunkCount = value("imatrix.chunk_count");
  if (datasets === undefined || chunkCount === undefined || value("imatrix.chunk_size") === undefined) {
    throw invalid(file, "missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size)");
  }
  if (gguf.tensors.length === 0) throw invalid(file, "no tensors");
  const read = (name: string): Float32Array | undefined => {
    const t = gguf.tensors.find((x) => x.name === name);
    if (!t) return undefined;
    if (t.type !== GgmlType.F32) throw invalid(file, `${name} must be F32`);
    const out = new Float32Array(t.size / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(t.fileOffset + i * 4);
    return out;
  };
  const names = new Set<string>();
  for (const t of gguf.tensors) {
    const m = /^(.*)\.(in_sum2|counts)$/.exec(t.name);
    if (m) names.add(m[1]!);
  }
  const entries = new Map<string, Float32Array>();
  for (const name of [...names].sort()) {
    const sums = read(`${name}.in_sum2`);
    const counts = read(`${name}.counts`);
    if (!sums || !counts) throw invalid(file, `mismatched sums and counts for ${name}`);
    const perExpert = sums.length / counts.length;
    const values = new Float32Array(sums.length);
    counts.forEach((c, j) => {
      const count = Math.round(c);
      for (let i = 0; i < perExpert; i++) values[j * perExpert + i] = count > 0 ? sums[j * perExpert + i]! / count : 1;
    });
    entries.set(name, values);
  }
  return {
    entries,
    datasets: typeof datasets === "object" ? datasets.items.map(String) : [],
    chunkCount: Number(chunkCount),
  };
}

/**
 * The metadata llama-quantize records in a model quantized with an imatrix
 * (tools/quantize/quantize.cpp), in its order: the file as named (we give the
 * base name, so that outputs do not depend on where the file was), the first
 * dataset if any, the entry count, and the chunk count when it is positive.
 */
export function imatrixMetadata(imatrix: Imatrix, fileName: string): KvOverride[] {
  return [
    { key: "quantize.imatrix.file", str: fileName },
    ...(imatrix.datasets.length > 0 ? [{ key: "quantize.imatrix.dataset", str: imatrix.datasets[0]! }] : []),
    { key: "quantize.imatrix.entries_count", int: imatrix.entries.size },
    ...(imatrix.chunkCount > 0 ? [{ key: "quantize.imatrix.chunks_count", int: imatrix.chunkCount }] : []),
  ];
}
