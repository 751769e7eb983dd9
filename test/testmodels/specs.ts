import type { RandomLlamaSpec } from "../../src/testmodels/index.js";

/** A random llama small enough for every test: 1 layer, width 256, 300 tokens (about 1 MiB). */
export const TINY_RANDOM: RandomLlamaSpec = {
  nEmbd: 256, nLayer: 1, nHead: 4, nHeadKv: 2, nFf: 256, vocabSize: 300, contextLength: 256, seed: 1234, tensorType: "F16", name: "tiny",
};
