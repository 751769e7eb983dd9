/**
 * What the store commands show: model details read from the store
 * (manifest, layers, GGUF header), their text and JSON renderings, the
 * Modelfile that rebuilds a model, `rm`'s removal, and Ollama-style number
 * formatting. Rendering is pure; reading is in model-details.ts, list.ts and
 * remove.ts.
 */
export * from "./codes.js";
export * from "./du-text.js";
export * from "./duration.js";
export * from "./gguf-summary.js";
export * from "./human.js";
export * from "./list.js";
export * from "./model-details.js";
export * from "./modelfile.js";
export * from "./open-store.js";
export * from "./remove.js";
export * from "./show.js";
export * from "./table.js";
export * from "./verify-report.js";
