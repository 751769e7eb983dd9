import { defineCodes } from "../diagnostics/index.js";

/** Diagnostics raised while reading or writing GGUF files (MS3xxx). */
export const GGUF_CODES = defineCodes({
  MS3001: {
    title: "not a GGUF file",
    example: "FROM ./model.bin  # a PyTorch checkpoint, not GGUF",
    fix: "Point FROM at a .gguf file; convert other formats with llama.cpp's convert_hf_to_gguf.py.",
  },
  MS3002: {
    title: "unsupported GGUF version",
    example: "a GGUF v1 file from 2023",
    fix: "Re-convert the model with a current llama.cpp; GGUF versions 2 and 3 are supported.",
  },
  MS3003: {
    title: "truncated GGUF file",
    example: "a download that stopped half way",
    fix: "Download the file again; its header or tensor data ends before the end of the file.",
  },
  MS3004: {
    title: "count larger than the file",
    example: "a header that claims 2^60 tensors or a string of 2^50 bytes",
    fix: "The file is corrupt; download or convert it again.",
  },
  MS3005: {
    title: "unsupported metadata value type",
    example: "a metadata value of type 13, or arrays nested more than 16 deep",
    fix: "The file is corrupt or from a newer GGUF version; re-convert it with a current llama.cpp.",
  },
  MS3006: {
    title: "duplicate metadata key",
    example: "general.name written twice",
    fix: "The file is corrupt; each metadata key may appear once.",
  },
  MS3007: {
    title: "unknown tensor type",
    example: "a tensor of ggml type 99",
    fix: "The file uses a tensor type this version does not know; re-quantize it to a standard type.",
  },
  MS3008: {
    title: "invalid tensor shape",
    example: "a tensor with 5 dimensions, or a row of 100 elements stored as Q4_K (blocks of 256)",
    fix: "The file is corrupt; tensors have 1 to 4 dimensions and rows that are whole blocks of their type.",
  },
  MS3009: {
    title: "misaligned tensor data",
    example: "a tensor whose data offset is not a multiple of general.alignment (32)",
    fix: "The file is corrupt; re-convert it with a current llama.cpp.",
  },
  MS3010: {
    title: "tensor data beyond the end of the file",
    example: "a tensor whose data would end after the last byte of the file",
    fix: "The file is truncated; download it again.",
  },
  MS3011: {
    title: "invalid alignment",
    example: "general.alignment = 12",
    fix: "general.alignment must be a non-zero power of two stored as uint32.",
  },
  MS3012: {
    title: "duplicate or overlapping tensors",
    example: "two tensors named blk.0.attn_q.weight, or two tensors sharing bytes",
    fix: "The file is corrupt; re-convert it.",
  },
  MS3013: {
    title: "invalid GGUF value",
    example: "writing 300 as a uint8 metadata value, or tensor data of the wrong size",
    fix: "Give each metadata value a type that holds it, and each tensor exactly the bytes its shape and type need.",
  },
  MS3090: {
    title: "model hyperparameter llama.cpp cannot load",
    example: "llama.attention.layer_norm_rms_epsilon = -1, or llama.attention.head_count_kv = 2147483648",
    fix: "The GGUF key named in the message is out of range (llama.cpp would abort on it); re-convert the model, or fix the key with gguf-py's gguf_set_metadata.py.",
  },
  MS3091: {
    title: "tensor shape does not match the model's metadata",
    example: "blk.0.attn_k.weight is [256, 256] but head_count_kv and the head size give [256, 64]",
    fix: "The metadata and the tensors disagree; re-convert the model with a current llama.cpp.",
  },
});

export type GgufCode = keyof typeof GGUF_CODES;
