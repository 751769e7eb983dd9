import { defineCodes } from "../diagnostics/index.js";

/** Diagnostics of Hugging Face checkpoint conversion (MS3200–MS3299). */
export const CONVERT_CODES = defineCodes({
  MS3200: {
    title: "not a Hugging Face checkpoint folder",
    example: "FROM ./my-model   # a folder without config.json",
    fix: "Point FROM at a folder with config.json and *.safetensors (as saved by `save_pretrained`), or at a .gguf file.",
  },
  MS3201: {
    title: "invalid config.json",
    example: "config.json without num_hidden_layers",
    fix: "Fix the key the message names; config.json must be the one saved with the weights.",
  },
  MS3202: {
    title: "unsupported architecture",
    example: "\"architectures\": [\"FalconForCausalLM\"]",
    fix: "Convert it with llama.cpp's convert_hf_to_gguf.py and FROM the .gguf; the message lists the architectures modelsmith converts.",
  },
  MS3203: {
    title: "invalid or truncated safetensors file",
    example: "a shard whose download stopped half way",
    fix: "Download the file again; its header or tensor data ends before the size it declares.",
  },
  MS3204: {
    title: "unsupported tensor dtype",
    example: "a tensor of dtype F8_E4M3 or I64 where a float is needed",
    fix: "Save the checkpoint in F32, F16 or BF16 (`model.to(torch.float16).save_pretrained(...)`).",
  },
  MS3205: {
    title: "tensor missing or shaped against the config",
    example: "model.layers.0.self_attn.q_proj.weight of [64, 32] where config.json says hidden_size 64",
    fix: "The weights and config.json disagree: use the config.json saved with these weights.",
  },
  MS3206: {
    title: "unexpected tensor",
    example: "a tensor name the architecture does not have (lm_head.bias)",
    fix: "The checkpoint is not of the architecture its config.json names, or is a variant modelsmith does not convert.",
  },
  MS3207: {
    title: "missing or invalid tokenizer",
    example: "a folder with neither tokenizer.model nor tokenizer.json",
    fix: "Copy tokenizer.json (or tokenizer.model) and tokenizer_config.json from the model's repository beside config.json.",
  },
  MS3208: {
    title: "invalid shard index",
    example: "model.safetensors.index.json naming a shard that is not there",
    fix: "Download every shard the index names, or remove a stale index.",
  },
  MS3209: {
    title: "unsupported pre-tokenizer",
    example: "a tokenizer.json whose pre_tokenizer splits with a regex llama.cpp has no name for",
    fix: "Convert it with llama.cpp's convert_hf_to_gguf.py after adding the tokenizer there, and FROM the .gguf.",
  },
  MS3211: {
    title: "invalid JSON in a checkpoint file",
    example: "tokenizer_config.json cut short",
    fix: "Download the file again; the message gives the position of the syntax error.",
  },
  MS3300: {
    title: "PEFT adapter kind not converted",
    example: "ADAPTER ./my-adapter   # adapter_config.json with \"use_dora\": true (or peft_type IA3, modules_to_save…)",
    fix: "modelsmith converts plain LoRA adapters (peft_type LORA) as llama.cpp's convert_lora_to_gguf.py does; llama.cpp cannot apply DoRA, rsLoRA scaling, per-module alpha or fully trained modules. Merge the adapter into the model and FROM the merged checkpoint instead.",
  },
});
