import { writeGguf, type WrittenFile } from "../gguf/index.js";
import { oracleLoraAdapter, type OracleLoraSpec } from "./lora.js";
import { oracleLlama, type OracleLlamaSpec } from "./oracleLlama.js";
import { randomLlama, type RandomLlamaSpec } from "./randomLlama.js";

export type TestModelSpec =
  | ({ kind: "random" } & RandomLlamaSpec)
  | ({ kind: "oracle" } & OracleLlamaSpec)
  /** A LoRA adapter GGUF for the oracle `base` (see oracleLoraAdapter). */
  | { kind: "lora"; base: OracleLlamaSpec; lora: OracleLoraSpec };

/** Writes a generated model (or adapter) to `path`; returns its size and hex sha256. */
export async function writeTestModel(path: string, spec: TestModelSpec): Promise<WrittenFile> {
  if (spec.kind === "lora") return writeGguf(path, oracleLoraAdapter(spec.base, spec.lora));
  return writeGguf(path, spec.kind === "random" ? randomLlama(spec) : oracleLlama(spec));
}
