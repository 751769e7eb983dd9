export * from "./codes.js";
export { isSha256Digest } from "./digest.js";
export { rebaseLocalPath } from "./file-ref.js";
export { isLoopbackHost } from "./loopback.js";
export { OLLAMA_DEFAULT_HOST, OLLAMA_DEFAULT_NAMESPACE, OLLAMA_DEFAULT_TAG } from "./ollama-name.js";
export { HF_DEFAULT_REVISION } from "./hf-ref.js";
export { ORACLE_DEFAULTS, RANDOM_DEFAULTS } from "./testmodel-ref.js";
export * from "./reference.js";
export { testModelSpec } from "./testmodel-spec.js";
