import { buildLlamaTool } from "./llama-tool-build.js";

/**
 * A real `llama-quantize`, for testing the fallback and for the benchmark:
 * tools/quantize compiled against node-llama-cpp's prebuilt libraries (about a
 * second with -O0: the kernels are in the prebuilt libggml). Undefined when
 * g++, git or tar is missing.
 */
export function buildLlamaQuantize(): string | undefined {
  return buildLlamaTool({ name: "llama-quantize", dir: "tools/quantize", optimize: ["-O0"] });
}
