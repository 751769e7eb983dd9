import { buildLlamaTool } from "../tools/llama-tool-build.js";

/**
 * llama.cpp's own `llama-bench`, compiled from the bundled source against the
 * prebuilt libraries modelsmith runs (see buildLlamaTool), with the CPU
 * backends linked beside it: a ratio against it measures modelsmith's
 * overhead, not a different build. Undefined when it cannot be built.
 */
export function buildLlamaBench(): string | undefined {
  return buildLlamaTool({ name: "llama-bench", dir: "tools/llama-bench", optimize: ["-O1", "-DNDEBUG"], cpuBackendsBeside: true });
}

/**
 * llama.cpp's `llama-batched-bench`, built the same way: decode of 1 and of N
 * parallel sequences on one context, llama.cpp's own cost of a batch.
 */
export function buildLlamaBatchedBench(): string | undefined {
  return buildLlamaTool({ name: "llama-batched-bench", dir: "tools/batched-bench", optimize: ["-O1", "-DNDEBUG"], cpuBackendsBeside: true });
}
