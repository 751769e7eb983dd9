import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of `modelsmith export`: the MS532x block. */
export const EXPORT_CODES = defineCodes({
  MS5320: {
    title: "model cannot be exported as one GGUF",
    example: "modelsmith export my-model --gguf out.gguf   # my-model has an ADAPTER",
    fix: "A single GGUF holds one set of weights: a LoRA adapter or a vision projector cannot be baked in. Export it with --ollama, or build it without ADAPTER.",
  },
  MS5321: {
    title: "cannot write the export",
    example: "modelsmith export m --gguf /read-only/m.gguf",
    fix: "Check that the destination directory exists and is writable, and that the disk has room.",
  },
  MS5322: {
    title: "export needs exactly one destination",
    example: "modelsmith export m   (neither --ollama nor --gguf)",
    fix: "Pass --ollama [dir] to write an Ollama store, or --gguf <file> to write one GGUF file.",
  },
});
