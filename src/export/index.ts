/** `modelsmith export`: a stored model handed to Ollama (its store layout) or to llama.cpp (one GGUF). */
export * from "./codes.js";
export * from "./gguf.js";
export * from "./gguf-metadata.js";
export * from "./ollama.js";
