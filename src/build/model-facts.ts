import { readGgufFile } from "../gguf/reader.js";
import { fileTypeName } from "../quantize/types.js";
import { humanNumber } from "../inspect/human.js";

/** What the config blob says about a GGUF model. */
export interface ModelFacts {
  /** general.architecture, e.g. "llama". */
  family: string;
  /** Parameter count as Ollama prints it, e.g. "8.0B". */
  modelType: string;
  /** Name of general.file_type, e.g. "Q8_0"; "unknown" when the file does not say. */
  fileType: string;
  /** tokenizer.chat_template (Jinja), when the GGUF has one. */
  chatTemplate?: string;
}

/**
 * Reads the facts from a GGUF file's header (never its tensor data). The
 * parameter count is the sum of the tensors' element counts, as Ollama
 * computes it when it decodes a GGUF.
 */
export async function readModelFacts(file: string): Promise<ModelFacts> {
  const gguf = await readGgufFile(file);
  const arch = gguf.metadata.get("general.architecture")?.value;
  const ftype = gguf.metadata.get("general.file_type")?.value;
  const chat = gguf.metadata.get("tokenizer.chat_template")?.value;
  const params = gguf.tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
  return {
    family: typeof arch === "string" ? arch : "unknown",
    modelType: humanNumber(params),
    fileType: (ftype === undefined ? undefined : fileTypeName(Number(ftype))) ?? "unknown",
    ...(typeof chat === "string" && chat !== "" ? { chatTemplate: chat } : {}),
  };
}
