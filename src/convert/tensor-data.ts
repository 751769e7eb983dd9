/**
 * Tensor data conversion: safetensors dtype to the GGUF output type, done as
 * llama.cpp's convert_hf_to_gguf.py does it (prepare_tensors): a tensor already in
 * F16 or F32 is kept as is when the output type matches; anything else goes
 * through float32 first; float32 to F16 rounds to nearest even (numpy astype),
 * to BF16 as ggml_compute_fp32_to_bf16 (quiet NaN, round to nearest even).
 */
import { encodeFloats, fromHalfBits, GgmlType } from "../gguf/index.js";
import { error, InputError } from "../diagnostics/index.js";

/** Float32 value of every half-precision bit pattern; built on first use (an F16 to F16 conversion never needs it, and building it at import took ~10-30 ms before the first byte is written). */
let halfTable: Float32Array | undefined;
function halfTableOnce(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = fromHalfBits(i);
  }
  return halfTable;
}

/** Source dtypes the converter reads. */
export const FLOAT_DTYPES = ["F32", "F16", "BF16", "F64"] as const;

/** Float32 values of raw little-endian tensor bytes. */
export function decodeToF32(raw: Uint8Array, dtype: string, what: string): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(raw.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(raw.length / 2);
      const table = halfTableOnce();
      for (let i = 0; i < out.length; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      return out;
    }
    case "BF16": {
      const out = new Float32Array(raw.length / 2);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) u[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case "F64": {
      const out = new Float32Array(raw.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    default:
      throw new InputError(error("MS3204", `${what}: dtype ${dtype} is not a float type modelsmith converts (${FLOAT_DTYPES.join(", ")})`, { hint: "Save the checkpoint in F32, F16 or BF16." }));
  }
}

/** Whether a tensor of safetensors dtype `dtype` is written as it is in ggml type `outType`. */
export function keepsBytes(dtype: string, outType: number): boolean {
  return (dtype === "F32" && outType === GgmlType.F32) || (dtype === "F16" && outType === GgmlType.F16) || (dtype === "BF16" && outType === GgmlType.BF16);
}

/** GGUF tensor bytes of `raw` (safetensors dtype `dtype`) in ggml type `outType` (F32, F16 or BF16). */
export function convertTensorData(raw: Uint8Array, dtype: string, outType: number, what: string): Uint8Array {
  if (keepsBytes(dtype, outType)) return raw;
  return encodeFloats(decodeToF32(raw, dtype, what), outType);
}

/**
 * Undoes Hugging Face's rotate-half layout of q/k projection rows, as llama.cpp's
 * LlamaModel.permute: reshape(n_head, 2, rows/n_head/2, ...).swapaxes(1, 2).
 * Works on raw bytes, `rowBytes` per row (a bias is rows of one element).
 */
export function permuteRows(raw: Uint8Array, rows: number, rowBytes: number, nHead: number): Uint8Array {
  const half = rows / nHead / 2;
  const out = new Uint8Array(raw.length);
  for (let h = 0; h < nHead; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * 2 * half + j * half + i) * rowBytes;
        const dst = (h * 2 * half + i * 2 + j) * rowBytes;
        out.set(raw.subarray(src, src + rowBytes), dst);
      }
    }
  }
  return out;
}

/**
 * Part of {@link permuteRows}' output, straight into `target`: `raw` holds whole
 * heads (`rowsPerHead` rows of `rowBytes` each) and `target` gets the permuted
 * bytes from byte `start` of them, for as long as it is (any byte boundaries).
 */
export function permuteRange(raw: Uint8Array, target: Uint8Array, start: number, rowsPerHead: number, rowBytes: number): void {
  const half = rowsPerHead / 2;
  const end = start + target.length;
  for (let r = Math.floor(start / rowBytes); r * rowBytes < end; r++) {
    const head = Math.floor(r / rowsPerHead);
    const inHead = r - head * rowsPerHead;
    // Output row i * 2 + j of a head is its input row j * half + i.
    const src = (head * rowsPerHead + (inHead & 1) * half + (inHead >> 1)) * rowBytes;
    const from = Math.max(start, r * rowBytes);
    const to = Math.min(end, (r + 1) * rowBytes);
    target.set(raw.subarray(src + from - r * rowBytes, src + to - r * rowBytes), from - start);
  }
}
