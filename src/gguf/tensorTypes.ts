/**
 * ggml tensor types as stored in GGUF tensor infos (ggml.h `enum ggml_type`), with
 * the block geometry that sizes their data: a row of `ne0` elements takes
 * `ne0 / blockSize * typeSize` bytes, and `ne0` must be a multiple of `blockSize`.
 *
 * Numbers 4, 5 (Q4_2, Q4_3), 31-33 (Q4_0_4_4 ...) and 36-38 (IQ4_NL_4_4 ...) were
 * removed from ggml; they are listed so that old files get a clear name, with the
 * geometry they had.
 */
export interface GgmlTypeInfo {
  id: number;
  name: string;
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  /** Removed from current ggml; llama.cpp no longer loads it. */
  removed?: boolean;
}

const TABLE: [number, string, number, number, boolean?][] = [
  [0, "F32", 1, 4],
  [1, "F16", 1, 2],
  [2, "Q4_0", 32, 18],
  [3, "Q4_1", 32, 20],
  [4, "Q4_2", 32, 18, true],
  [5, "Q4_3", 32, 20, true],
  [6, "Q5_0", 32, 22],
  [7, "Q5_1", 32, 24],
  [8, "Q8_0", 32, 34],
  [9, "Q8_1", 32, 36],
  [10, "Q2_K", 256, 84],
  [11, "Q3_K", 256, 110],
  [12, "Q4_K", 256, 144],
  [13, "Q5_K", 256, 176],
  [14, "Q6_K", 256, 210],
  [15, "Q8_K", 256, 292],
  [16, "IQ2_XXS", 256, 66],
  [17, "IQ2_XS", 256, 74],
  [18, "IQ3_XXS", 256, 98],
  [19, "IQ1_S", 256, 50],
  [20, "IQ4_NL", 32, 18],
  [21, "IQ3_S", 256, 110],
  [22, "IQ2_S", 256, 82],
  [23, "IQ4_XS", 256, 136],
  [24, "I8", 1, 1],
  [25, "I16", 1, 2],
  [26, "I32", 1, 4],
  [27, "I64", 1, 8],
  [28, "F64", 1, 8],
  [29, "IQ1_M", 256, 56],
  [30, "BF16", 1, 2],
  [31, "Q4_0_4_4", 32, 18, true],
  [32, "Q4_0_4_8", 32, 18, true],
  [33, "Q4_0_8_8", 32, 18, true],
  [34, "TQ1_0", 256, 54],
  [35, "TQ2_0", 256, 66],
  [36, "IQ4_NL_4_4", 32, 18, true],
  [37, "IQ4_NL_4_8", 32, 18, true],
  [38, "IQ4_NL_8_8", 32, 18, true],
  [39, "MXFP4", 32, 17],
  [40, "NVFP4", 64, 36],
  [41, "Q1_0", 128, 18],
  [42, "Q2_0", 64, 18],
];

export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  TABLE.map(([id, name, blockSize, typeSize, removed]) => [id, { id, name, blockSize, typeSize, ...(removed ? { removed } : {}) }]),
);

const BY_NAME = new Map([...GGML_TYPES.values()].map((t) => [t.name, t]));

/** Numeric ids of the ggml types current llama.cpp knows (removed ones are only in {@link GGML_TYPES}). */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ2_XXS: 16,
  IQ2_XS: 17,
  IQ3_XXS: 18,
  IQ1_S: 19,
  IQ4_NL: 20,
  IQ3_S: 21,
  IQ2_S: 22,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  IQ1_M: 29,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  MXFP4: 39,
  NVFP4: 40,
  Q1_0: 41,
  Q2_0: 42,
} as const;

export function ggmlType(id: number): GgmlTypeInfo | undefined {
  return GGML_TYPES.get(id);
}

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/**
 * Bytes of a tensor's data, or undefined when the first dimension is not a whole
 * number of blocks. Dims are in ggml order (ne0 first, the contiguous one).
 * Computed in bigint so that hostile dims cannot overflow.
 */
export function tensorDataSize(type: GgmlTypeInfo, dims: readonly (number | bigint)[]): bigint | undefined {
  const ne0 = BigInt(dims[0] ?? 1);
  const block = BigInt(type.blockSize);
  if (ne0 % block !== 0n) return undefined;
  let rows = 1n;
  for (let i = 1; i < dims.length; i++) rows *= BigInt(dims[i]!);
  return (ne0 / block) * BigInt(type.typeSize) * rows;
}
