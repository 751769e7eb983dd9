import { writeGguf, type WrittenFile } from "../gguf/index.js";
import { oracleLoraAdapter, type OracleLoraSpec } from "./lora.js";
import { oracleLlama, type OracleLlamaSpec } from "./oracleLlama.js";
import { randomLlama, type RandomLlamaSpec } from "./randomLlama.js";

export type TestModelSpec =
  | ({ kind: "random" } & RandomLlamaSpec)
  | ({ kind: "oracle" } & OracleLlamaSpec)
  /** A LoRA adapter GGUF for the oracle `base` (see oracleLoraAdapter). */
  | { kind: "lora"; base: OracleLlamaSpec; lora: OracleLoraSpec };

/** Writes a generated model (or adapter) to `path`; returns its size and hex sha256. `onProgress`: bytes written of the total, as they go. */
export async function writeTestModel(path: string, spec: TestModelSpec, onProgress?: (written: number, total: number) => void): Promise<WrittenFile> {
  if (spec.kind === "lora") return writeGguf(path, oracleLoraAdapter(spec.base, spec.lora), onProgress);
  return writeGguf(path, spec.kind === "random" ? randomLlama(spec) : oracleLlama(spec), onProgress);
}
