/**
 * `general.file_type` values: llama.cpp's `enum llama_ftype` (LLAMA_FTYPE_*), the
 * "mostly" type of a model's weights. Names are those of the enum without the
 * `LLAMA_FTYPE_` prefix; `quant` is the name `llama-quantize` and Ollama accept
 * ("Q4_K_M"). Ids 4-6 and 33-35 were removed from llama.cpp and are listed for old files.
 */
export interface LlamaFileTypeInfo {
  id: number;
  /** Enum name without prefix, e.g. "MOSTLY_Q4_K_M". */
  name: string;
  /** Quantization name as users write it, e.g. "Q4_K_M". */
  quant: string;
  removed?: boolean;
}

const TABLE: [number, string, boolean?][] = [
  [0, "ALL_F32"],
  [1, "MOSTLY_F16"],
  [2, "MOSTLY_Q4_0"],
  [3, "MOSTLY_Q4_1"],
  [4, "MOSTLY_Q4_1_SOME_F16", true],
  [5, "MOSTLY_Q4_2", true],
  [6, "MOSTLY_Q4_3", true],
  [7, "MOSTLY_Q8_0"],
  [8, "MOSTLY_Q5_0"],
  [9, "MOSTLY_Q5_1"],
  [10, "MOSTLY_Q2_K"],
  [11, "MOSTLY_Q3_K_S"],
  [12, "MOSTLY_Q3_K_M"],
  [13, "MOSTLY_Q3_K_L"],
  [14, "MOSTLY_Q4_K_S"],
  [15, "MOSTLY_Q4_K_M"],
  [16, "MOSTLY_Q5_K_S"],
  [17, "MOSTLY_Q5_K_M"],
  [18, "MOSTLY_Q6_K"],
  [19, "MOSTLY_IQ2_XXS"],
  [20, "MOSTLY_IQ2_XS"],
  [21, "MOSTLY_Q2_K_S"],
  [22, "MOSTLY_IQ3_XS"],
  [23, "MOSTLY_IQ3_XXS"],
  [24, "MOSTLY_IQ1_S"],
  [25, "MOSTLY_IQ4_NL"],
  [26, "MOSTLY_IQ3_S"],
  [27, "MOSTLY_IQ3_M"],
  [28, "MOSTLY_IQ2_S"],
  [29, "MOSTLY_IQ2_M"],
  [30, "MOSTLY_IQ4_XS"],
  [31, "MOSTLY_IQ1_M"],
  [32, "MOSTLY_BF16"],
  [33, "MOSTLY_Q4_0_4_4", true],
  [34, "MOSTLY_Q4_0_4_8", true],
  [35, "MOSTLY_Q4_0_8_8", true],
  [36, "MOSTLY_TQ1_0"],
  [37, "MOSTLY_TQ2_0"],
  [38, "MOSTLY_MXFP4_MOE"],
  [39, "MOSTLY_NVFP4"],
  [40, "MOSTLY_Q1_0"],
  [41, "MOSTLY_Q2_0"],
];

export const LLAMA_FILE_TYPES: ReadonlyMap<number, LlamaFileTypeInfo> = new Map(
  TABLE.map(([id, name, removed]) => [
    id,
    { id, name, quant: name.replace(/^(ALL|MOSTLY)_/, ""), ...(removed ? { removed } : {}) },
  ]),
);

const BY_QUANT = new Map([...LLAMA_FILE_TYPES.values()].map((t) => [t.quant, t]));

export function llamaFileType(id: number): LlamaFileTypeInfo | undefined {
  return LLAMA_FILE_TYPES.get(id);
}

/** Looks up a file type by quantization name ("q4_k_m", "F16"), case-insensitively. */
export function llamaFileTypeByQuant(quant: string): LlamaFileTypeInfo | undefined {
  return BY_QUANT.get(quant.toUpperCase());
}
