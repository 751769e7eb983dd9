import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { didYouMean } from "../diagnostics/suggest.js";

/**
 * The quantization types of the pinned llama.cpp: exactly the names its
 * `llama-quantize` accepts (tools/quantize/quantize.cpp, QUANT_OPTIONS), each
 * with its `llama_ftype` value (include/llama.h). Names match
 * case-insensitively (`q4_k_m` is `Q4_K_M`).
 *
 * `Q3_K`, `Q4_K` and `Q5_K` are aliases of the `_M` mixes: same ftype, same
 * bytes; `canonical` names the type a build should record. `COPY` copies the
 * tensors unchanged (llama.cpp's `only_copy`), keeping each tensor's type.
 *
 * `requiresImatrix`: llama.cpp refuses these without an importance matrix,
 * because some tensors they produce are IQ1_S/IQ1_M/IQ2_XXS/IQ2_XS/IQ2_S/
 * IQ3_XXS (or, for Q2_K_S, Q2_K); see tensor_requires_imatrix in
 * src/llama-quant.cpp. A test quantizes with every type to keep this exact.
 */
export interface QuantType {
  /** The name as llama-quantize spells it, e.g. "Q4_K_M", "Q4_K". */
  readonly name: string;
  /** The non-alias name of the same file type, e.g. "Q4_K_M" for "Q4_K". */
  readonly canonical: string;
  /** The llama_ftype value written to `general.file_type`. */
  readonly ftype: number;
  readonly description: string;
  readonly requiresImatrix: boolean;
  /** COPY: rewrite the file without quantizing. */
  readonly onlyCopy: boolean;
}

type Row = [name: string, ftype: number, description: string, requiresImatrix?: boolean, canonical?: string];

// Order and names as in llama-quantize's QUANT_OPTIONS.
const ROWS: Row[] = [
  ["Q1_0", 40, "1.125 bits per weight"],
  ["Q2_0", 41, "2.25 bits per weight, groups of 64"],
  ["Q4_0", 2, "4-bit, legacy"],
  ["Q4_1", 3, "4-bit with offset, legacy"],
  ["MXFP4_MOE", 38, "MXFP4 for mixture-of-experts tensors"],
  ["Q5_0", 8, "5-bit, legacy"],
  ["Q5_1", 9, "5-bit with offset, legacy"],
  ["IQ2_XXS", 19, "2.06 bits per weight", true],
  ["IQ2_XS", 20, "2.31 bits per weight", true],
  ["IQ2_S", 28, "2.5 bits per weight", true],
  ["IQ2_M", 29, "2.7 bits per weight", true],
  ["IQ1_S", 24, "1.56 bits per weight", true],
  ["IQ1_M", 31, "1.75 bits per weight", true],
  ["TQ1_0", 36, "1.69 bits per weight, ternary"],
  ["TQ2_0", 37, "2.06 bits per weight, ternary"],
  ["Q2_K", 10, "2-bit k-quant"],
  ["Q2_K_S", 21, "2-bit k-quant, small", true],
  ["IQ3_XXS", 23, "3.06 bits per weight", true],
  ["IQ3_S", 26, "3.44 bits per weight"],
  ["IQ3_M", 27, "3.66 bits per weight, mixed"],
  ["Q3_K", 12, "alias of Q3_K_M", false, "Q3_K_M"],
  ["IQ3_XS", 22, "3.3 bits per weight", true],
  ["Q3_K_S", 11, "3-bit k-quant, small"],
  ["Q3_K_M", 12, "3-bit k-quant, medium"],
  ["Q3_K_L", 13, "3-bit k-quant, large"],
  ["IQ4_NL", 25, "4.5 bits per weight, non-linear"],
  ["IQ4_XS", 30, "4.25 bits per weight, non-linear"],
  ["Q4_K", 15, "alias of Q4_K_M", false, "Q4_K_M"],
  ["Q4_K_S", 14, "4-bit k-quant, small"],
  ["Q4_K_M", 15, "4-bit k-quant, medium"],
  ["Q5_K", 17, "alias of Q5_K_M", false, "Q5_K_M"],
  ["Q5_K_S", 16, "5-bit k-quant, small"],
  ["Q5_K_M", 17, "5-bit k-quant, medium"],
  ["Q6_K", 18, "6-bit k-quant"],
  ["Q8_0", 7, "8-bit"],
  ["F16", 1, "16-bit float"],
  ["BF16", 32, "bfloat16"],
  ["F32", 0, "32-bit float"],
  ["COPY", 0, "copy tensors unchanged"],
];

export const QUANT_TYPES: readonly QuantType[] = ROWS.map(([name, ftype, description, requiresImatrix = false, canonical = name]) =>
  Object.freeze({ name, canonical, ftype, description, requiresImatrix, onlyCopy: name === "COPY" }),
);

const BY_NAME = new Map(QUANT_TYPES.map((t) => [t.name.toUpperCase(), t]));

/** The type named `name` (any case), or undefined. */
export function findQuantType(name: string): QuantType | undefined {
  return BY_NAME.get(name.trim().toUpperCase());
}

/** The canonical type name of a `general.file_type` value, e.g. 15 -> "Q4_K_M". */
export function fileTypeName(ftype: number): string | undefined {
  return QUANT_TYPES.find((t) => t.ftype === ftype && t.canonical === t.name && !t.onlyCopy)?.name;
}

/** MS5501 for a name that is no type; undefined when it is one. */
export function unknownTypeDiagnostic(name: string, at: { file?: string; range?: SourceRange } = {}): Diagnostic | undefined {
  if (findQuantType(name)) return undefined;
  const hint = didYouMean(name.trim(), QUANT_TYPES.map((t) => t.name)) ?? `one of ${QUANT_TYPES.map((t) => t.name).join(", ")}`;
  return error("MS5501", `unknown quantization type "${name}"`, { ...at, hint });
}

/** MS5502 when `type` needs an importance matrix and none is given. */
export function missingImatrixDiagnostic(type: QuantType, hasImatrix: boolean, at: { file?: string; range?: SourceRange } = {}): Diagnostic | undefined {
  if (!type.requiresImatrix || hasImatrix) return undefined;
  return error("MS5502", `quantization type ${type.name} needs an importance matrix`, {
    ...at,
    hint: "give an imatrix file (made by llama-imatrix), or use a type that needs none, e.g. Q2_K, IQ3_S or IQ4_XS",
  });
}

/** The type named `name`; throws InputError MS5501 (with a did-you-mean) when there is none. */
export function parseQuantType(name: string, at: { file?: string; range?: SourceRange } = {}): QuantType {
  const type = findQuantType(name);
  if (type) return type;
  throw new InputError(unknownTypeDiagnostic(name, at)!);
}
