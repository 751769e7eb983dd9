import { writeGguf, type WrittenFile } from "../gguf/index.js";
import { oracleLlama, type OracleLlamaSpec } from "./oracleLlama.js";
import { randomLlama, type RandomLlamaSpec } from "./randomLlama.js";

export type TestModelSpec = ({ kind: "random" } & RandomLlamaSpec) | ({ kind: "oracle" } & OracleLlamaSpec);

/** Writes a generated model to `path`; returns its size and hex sha256. `onProgress`: bytes written of the total, as they go. */
export async function writeTestModel(path: string, spec: TestModelSpec, onProgress?: (written: number, total: number) => void): Promise<WrittenFile> {
  return writeGguf(path, spec.kind === "random" ? randomLlama(spec) : oracleLlama(spec), onProgress);
}
