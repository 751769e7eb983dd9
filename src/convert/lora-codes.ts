import { defineCodes } from "../diagnostics/index.js";

/** Diagnostics of PEFT LoRA adapter conversion (MS3320–MS3339; MS3300 is in codes.ts). */
export const LORA_CODES = defineCodes({
  MS3320: {
    title: "PEFT adapter weights missing or not safetensors",
    example: "ADAPTER ./my-lora   # a folder with adapter_model.bin but no adapter_model.safetensors",
    fix: "Save the adapter with safetensors (`model.save_pretrained(dir, safe_serialization=True)`, PEFT's default); pickled adapter_model.bin is not read.",
  },
  MS3321: {
    title: "invalid adapter_config.json",
    example: "adapter_config.json without a number \"lora_alpha\"",
    fix: "Use the adapter_config.json PEFT saved with the weights; the message names the key.",
  },
  MS3322: {
    title: "LoRA tensor without its pair",
    example: "…q_proj.lora_A.weight with no …q_proj.lora_B.weight, or A and B of different ranks",
    fix: "The adapter file is incomplete or not a PEFT LoRA: save it again with PEFT.",
  },
  MS3323: {
    title: "unsupported LoRA target module",
    example: "a LoRA on a module the base architecture has no tensor for (lm_head of a model with tied embeddings), or a bias tensor",
    fix: "Train the adapter on modules the base model has (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj…), with bias \"none\".",
  },
  MS3324: {
    title: "adapter does not fit the base model",
    example: "a LoRA on q_proj whose update is [64, 64] where the FROM model's q_proj is [32, 64]",
    fix: "Use the adapter with the model it was trained on: FROM that base (its checkpoint or a GGUF of it).",
  },
  MS3325: {
    title: "base model's architecture not supported for adapters",
    example: "FROM ./gemma3.gguf with ADAPTER ./peft-dir",
    fix: "modelsmith converts PEFT adapters for the architectures it converts checkpoints of (llama, mistral, qwen2, gemma2, phi3); for others use llama.cpp's convert_lora_to_gguf.py and ADAPTER the .gguf.",
  },
  MS3326: {
    title: "a PEFT adapter folder on a FROM line",
    example: "FROM ./my-lora   # adapter_config.json + adapter_model.safetensors",
    fix: "A LoRA adapter goes on an ADAPTER line; FROM names the model it was trained on.",
  },
});
