export { QUANTIZE_CODES } from "./codes.js";
export { QUANT_TYPES, findQuantType, parseQuantType, fileTypeName, unknownTypeDiagnostic, missingImatrixDiagnostic, type QuantType } from "./types.js";
export { quantize, selectQuantizer, type QuantizeOptions, type QuantizeResult } from "./quantize.js";
export type { QuantizeProgress, LogLine } from "./llama-log.js";
export { loadImatrix, type Imatrix } from "./imatrix.js";
export { findLibllama, PINNED_NODE_LLAMA_CPP, PINNED_LLAMA_CPP_RELEASE } from "./library.js";
