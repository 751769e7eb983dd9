import type { OpenModel } from "../eval/run-project-tests.js";

/** The runtime, imported when a model is opened: node-llama-cpp costs a third of a second at start-up. */
export const openModelLazily: OpenModel = async (root, name, options) => (await import("./open-model.js")).openModel(root, name, options);

/** A model's cache identity without loading its weights: a fully cached run never loads the model. */
export const describeModelLazily = async (root: string, name: string) => (await import("./describe-model.js")).describeModel(root, name);

/** A built model loaded for embeddings (`similar`, answer-relevance). */
export const openEmbedderLazily = async (root: string, name: string) => (await import("./embedder.js")).openEmbedder(root, name);
