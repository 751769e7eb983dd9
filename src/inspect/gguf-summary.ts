import { llamaFileType, type GgufFile } from "../gguf/index.js";
import { fileTypeName } from "../quantize/types.js";
import { humanNumber } from "./human.js";

/** What `show` says about the weights, read from the model GGUF's header. */
export interface GgufSummary {
  /** general.architecture, e.g. "llama"; "" when the file does not say. */
  architecture: string;
  /** Sum of the tensors' element counts (how Ollama counts parameters). */
  parameterCount: number;
  /** parameterCount as Ollama prints it ("8B", "7.25M"). */
  parameterSize: string;
  /** `<arch>.context_length`. */
  contextLength?: number;
  /** `<arch>.embedding_length`. */
  embeddingLength?: number;
  /** general.file_type. */
  fileType?: number;
  /** Name of the file type ("Q4_K_M", "F16"); "unknown" without general.file_type. */
  quantization: string;
}

/** Pure: the summary of a GGUF header. */
export function summarizeGguf(gguf: GgufFile): GgufSummary {
  const str = (key: string) => {
    const v = gguf.metadata.get(key)?.value;
    return typeof v === "string" ? v : undefined;
  };
  const num = (key: string) => {
    const v = gguf.metadata.get(key)?.value;
    return typeof v === "number" || typeof v === "bigint" ? Number(v) : undefined;
  };
  const architecture = str("general.architecture") ?? "";
  const parameterCount = gguf.tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
  const fileType = num("general.file_type");
  const summary: GgufSummary = { architecture, parameterCount, parameterSize: humanNumber(parameterCount), quantization: quantizationName(fileType) };
  const contextLength = num(`${architecture}.context_length`);
  const embeddingLength = num(`${architecture}.embedding_length`);
  if (contextLength !== undefined) summary.contextLength = contextLength;
  if (embeddingLength !== undefined) summary.embeddingLength = embeddingLength;
  if (fileType !== undefined) summary.fileType = fileType;
  return summary;
}

/** "Q4_K_M" for 15: llama-quantize's name, else llama.cpp's enum name, else "unknown". */
export function quantizationName(fileType: number | undefined): string {
  if (fileType === undefined) return "unknown";
  return fileTypeName(fileType) ?? llamaFileType(fileType)?.quant ?? "unknown";
}
