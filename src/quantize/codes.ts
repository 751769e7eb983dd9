import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics raised by quantization. They use the MS55xx block of the
 * store/build range (MS5xxx) so that store and build keep the rest.
 */
export const QUANTIZE_CODES = defineCodes({
  MS5501: {
    title: "unknown quantization type",
    example: "quantize: Q4_K_N",
    fix: "Use one of the types llama-quantize accepts (Q4_K_M, Q5_K_M, Q8_0, IQ4_XS, F16 ...); the hint names the closest one.",
  },
  MS5502: {
    title: "quantization type needs an importance matrix",
    example: "quantize: IQ2_XXS   (without an imatrix)",
    fix: "Give an importance matrix (an imatrix file made by llama-imatrix), or pick a type that does not need one, e.g. Q2_K or IQ3_S.",
  },
  MS5503: {
    title: "input model not found",
    example: "quantize ./missing.gguf",
    fix: "Check the path of the model to quantize.",
  },
  MS5504: {
    title: "input is not a GGUF file",
    example: "quantize ./model.safetensors",
    fix: "Quantization reads GGUF files; convert other formats first (llama.cpp's convert_hf_to_gguf.py).",
  },
  MS5505: {
    title: "llama.cpp could not quantize the model",
    example: "an architecture this llama.cpp does not know, or a truncated GGUF file",
    fix: "Read llama.cpp's message in the error; check that the input loads with llama.cpp and is not truncated.",
  },
  MS5506: {
    title: "the quantizer process failed",
    example: "the quantizer was killed (out of memory) or crashed",
    fix: "Check free memory and disk space, then run again; report a bug if it keeps crashing.",
  },
  MS5507: {
    title: "no quantizer available",
    example: "node-llama-cpp has no prebuilt library for this platform and no llama-quantize is on PATH",
    fix: "Install llama.cpp so that `llama-quantize` is on PATH, or use a platform node-llama-cpp ships binaries for.",
  },
  MS5508: {
    title: "invalid importance matrix file",
    example: "imatrix: ./notes.txt",
    fix: "Give a file written by llama-imatrix (GGUF, or the legacy .dat format).",
  },
  MS5509: {
    title: "input and output are the same file",
    example: "quantize model.gguf -> model.gguf",
    fix: "Write the quantized model to a different path.",
  },
  MS5510: {
    title: "cannot write the quantized model",
    example: "the output directory does not exist or is read-only, or the disk is full",
    fix: "Check that the output directory exists, is writable and has space.",
  },
  MS5511: {
    title: "quantization interrupted",
    example: "the build was cancelled (Ctrl-C) while a model was being quantized",
    fix: "Run the build again; an interrupted quantization leaves no output behind.",
  },
});

export type QuantizeCode = keyof typeof QUANTIZE_CODES;
