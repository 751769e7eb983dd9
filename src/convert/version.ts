/**
 * What the build's plan needs of the converter, apart from the converter
 * itself (convert.ts loads the GGUF writer and the tensor code: a build that
 * converts nothing does not import it).
 */

/** Bumped whenever the converter's output for the same input changes; part of the build's cache key. */
export const CONVERTER_VERSION = "1";

/** The same for the PEFT LoRA converter (lora.ts); part of an adapter convert step's key. */
export const LORA_CONVERTER_VERSION = "1";

/** The same for joining a split GGUF set (src/gguf/split.ts); part of a join step's key. */
export const SPLIT_JOIN_VERSION = "1";

export type ConvertOutType = "F32" | "F16" | "BF16";
export const CONVERT_OUT_TYPES: readonly ConvertOutType[] = ["F32", "F16", "BF16"];
