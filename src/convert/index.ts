export * from "./codes.js";
export * from "./safetensors.js";
export * from "./checkpoint.js";
export * from "./convert.js";
export * from "./architectures.js";
export { identifyPreTokenizer } from "./pre-tokenizer.js";
export * from "./lora-codes.js";
export * from "./peft-adapter.js";
export * from "./lora.js";
