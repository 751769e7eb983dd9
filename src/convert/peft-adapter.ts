/**
 * A PEFT LoRA adapter folder as `save_pretrained` writes it: adapter_config.json
 * and adapter_model.safetensors. Read and checked without the base model, as
 * far as llama.cpp's convert_lora_to_gguf.py reads it
 * (https://github.com/ggml-org/llama.cpp/blob/master/convert_lora_to_gguf.py):
 * tensor names `base_model.model.<module>.lora_A.weight` / `.lora_B.weight`
 * (`.lora_embedding_A` / `_B` for embeddings), paired by module, the
 * `.base_layer.weight` entries ignored; `lora_alpha` from the config.
 *
 * What the reference converts but llama.cpp would then apply wrongly (DoRA,
 * rsLoRA, per-module alpha, `modules_to_save`, biases) is refused here
 * (MS3300), as are what the reference refuses (other tensors) and the layer
 * norms mergekit-extract-lora adds (see docs/decisions.md).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { error, InputError, type SourceRange } from "../diagnostics/index.js";
import { isObject, readJsonFile, type JsonObject } from "./json-file.js";
import { SafetensorsFile, type SafetensorsEntry } from "./safetensors.js";
import { FLOAT_DTYPES } from "./tensor-data.js";

export const PEFT_CONFIG = "adapter_config.json";
export const PEFT_WEIGHTS = "adapter_model.safetensors";
/** The files a conversion reads, sorted: their digests pin the folder. */
export const PEFT_INPUT_FILES = [PEFT_CONFIG, PEFT_WEIGHTS] as const;

/** Where the ADAPTER line is (diagnostics are put there). */
export type PeftAt = { file?: string; range?: SourceRange };

/** One adapted module: its HF weight name (`model.layers.0.self_attn.q_proj.weight`) and its A and B. */
export interface LoraPair {
  /** The base tensor's HF name, as get_base_tensor_name makes it. */
  base: string;
  /** An embedding (`lora_embedding_A/B`): A is stored [r, n_in] and written transposed (llm_build_inp_embd). */
  embedding: boolean;
  a: SafetensorsEntry;
  b: SafetensorsEntry;
}

export interface PeftAdapter {
  dir: string;
  config: JsonObject;
  alpha: number;
  /** adapter.alora.invocation_tokens, when the config lists them. */
  invocationTokens?: number[];
  file: SafetensorsFile;
  /** In the reference's order: by first appearance in the sorted tensor names. */
  pairs: LoraPair[];
  close(): Promise<void>;
}

/** True when `path` is a folder holding adapter_config.json. */
export function isPeftDir(path: string): boolean {
  return existsSync(join(path, PEFT_CONFIG));
}

/** get_base_tensor_name of convert_lora_to_gguf.py (Python's str.replace replaces every occurrence). */
function baseTensorName(name: string): string {
  return name
    .replaceAll("base_model.model.", "")
    .replaceAll(".lora_A.weight", ".weight")
    .replaceAll(".lora_B.weight", ".weight")
    .replaceAll(".lora_embedding_A", ".weight")
    .replaceAll(".lora_embedding_B", ".weight");
}

/**
 * Opens and checks the folder `dir` (`shown` as the ADAPTER line writes it):
 * every problem is an InputError at `at`. The caller closes the result.
 */
export async function openPeftAdapter(dir: string, shown: string, at: PeftAt): Promise<PeftAdapter> {
  const fail = (code: string, message: string, hint?: string): never => {
    throw new InputError(error(code, `ADAPTER ${shown}: ${message}`, { ...at, ...(hint ? { hint } : {}) }));
  };
  const config = await readJsonFile(join(dir, PEFT_CONFIG)).catch((err: unknown) => {
    if (err instanceof InputError) fail("MS3321", `${PEFT_CONFIG} is not valid JSON: ${err.diagnostics[0]?.message ?? ""}`);
    throw err;
  });
  if (!isObject(config)) return fail("MS3321", `${PEFT_CONFIG} is not a JSON object`);
  const kind = config.peft_type ?? "LORA";
  if (kind !== "LORA") fail("MS3300", `peft_type ${JSON.stringify(kind)} is not converted; modelsmith converts LoRA adapters (peft_type "LORA")`);
  if (config.use_dora === true) fail("MS3300", `"use_dora": true: llama.cpp applies plain LoRA only, so a DoRA adapter's magnitude vectors would be lost`);
  if (config.use_rslora === true) fail("MS3300", `"use_rslora": true: llama.cpp scales a LoRA by alpha / r, rsLoRA by alpha / sqrt(r)`);
  if (Array.isArray(config.modules_to_save) && config.modules_to_save.length > 0) {
    fail("MS3300", `"modules_to_save" ${JSON.stringify(config.modules_to_save)}: fully trained modules are not a LoRA, and a GGUF adapter cannot carry them`);
  }
  if (isObject(config.alpha_pattern) && Object.keys(config.alpha_pattern).length > 0) fail("MS3300", `"alpha_pattern": llama.cpp has one lora_alpha per adapter`);
  if (config.bias !== undefined && config.bias !== "none" && config.bias !== null) fail("MS3300", `"bias": ${JSON.stringify(config.bias)}: a GGUF LoRA adapter has no biases`);
  if (typeof config.invocation_string === "string" && config.invocation_string !== "" && !Array.isArray(config.alora_invocation_tokens)) {
    fail("MS3300", `aLoRA "invocation_string" without "alora_invocation_tokens": tokenizing it needs the base model's tokenizer`, "list the token ids in alora_invocation_tokens");
  }
  if (typeof config.lora_alpha !== "number" || !Number.isFinite(config.lora_alpha)) fail("MS3321", `${PEFT_CONFIG} has no number "lora_alpha"`);
  let invocationTokens: number[] | undefined;
  if (config.alora_invocation_tokens !== undefined && config.alora_invocation_tokens !== null) {
    const t = config.alora_invocation_tokens;
    if (!Array.isArray(t) || !t.every((x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 2 ** 32)) fail("MS3321", `"alora_invocation_tokens" is not a list of token ids`);
    if ((t as number[]).length > 0) invocationTokens = t as number[];
  }
  const weights = join(dir, PEFT_WEIGHTS);
  if (!existsSync(weights)) {
    if (existsSync(join(dir, "adapter_model.bin"))) fail("MS3320", `only adapter_model.bin (a pickle) is there; modelsmith reads adapter_model.safetensors`, "save it again with safetensors: `model.save_pretrained(dir, safe_serialization=True)`");
    fail("MS3320", `no ${PEFT_WEIGHTS} beside ${PEFT_CONFIG}`, "copy the adapter's weights into the folder");
  }
  const file = await SafetensorsFile.open(weights).catch((err: unknown) => {
    if (err instanceof InputError) throw new InputError(err.diagnostics.map((d) => ({ ...d, message: `ADAPTER ${shown}: ${d.message}`, ...at })));
    throw err;
  });
  try {
    const pairs = new Map<string, { embedding: boolean; a?: SafetensorsEntry; b?: SafetensorsEntry }>();
    for (const name of [...file.entries.keys()].sort()) {
      const entry = file.entries.get(name)!;
      const isA = name.includes(".lora_A.weight") || name.includes(".lora_embedding_A");
      const isB = name.includes(".lora_B.weight") || name.includes(".lora_embedding_B");
      if (!isA && !isB) {
        if (name.includes(".base_layer.weight")) continue;
        const embeddings = name.includes(".embed_tokens.weight") || name.includes(".lm_head.weight");
        fail(
          "MS3323",
          `tensor ${name} is not a lora_A or lora_B tensor`,
          embeddings ? "the adapter carries whole embeddings (new tokens added during fine-tuning); llama.cpp's adapters cannot (ggml-org/llama.cpp#9948)" : "a GGUF LoRA adapter holds only lora_A/lora_B pairs",
        );
      }
      if (!FLOAT_DTYPES.includes(entry.dtype as never)) fail("MS3204", `tensor ${name} has dtype ${entry.dtype}; LoRA weights are read from ${FLOAT_DTYPES.join(", ")}`);
      if (entry.shape.length !== 2) fail("MS3322", `tensor ${name} has shape [${entry.shape.join(", ")}]; LoRA A and B are matrices`);
      const base = baseTensorName(name);
      const p = pairs.get(base) ?? { embedding: name.includes(".lora_embedding_") };
      if (isA) p.a = entry;
      else p.b = entry;
      pairs.set(base, p);
    }
    const out: LoraPair[] = [];
    for (const [base, p] of pairs) {
      if (!p.a || !p.b) fail("MS3322", `${base} has ${p.a ? "lora_A" : "lora_B"} but no ${p.a ? "lora_B" : "lora_A"}`);
      // LoraTorchTensor: A is [r, n_in], B [n_out, r] (an embedding's A [r, vocab], B [dim, r]).
      if (p.a!.shape[0] !== p.b!.shape[1]) fail("MS3322", `${base}: lora_A [${p.a!.shape.join(", ")}] and lora_B [${p.b!.shape.join(", ")}] have different ranks`);
      out.push({ base, embedding: p.embedding, a: p.a!, b: p.b! });
    }
    if (out.length === 0) fail("MS3322", `${PEFT_WEIGHTS} holds no lora_A/lora_B pair`);
    return { dir, config, alpha: config.lora_alpha as number, ...(invocationTokens ? { invocationTokens } : {}), file, pairs: out, close: () => file.close() };
  } catch (err) {
    await file.close();
    throw err;
  }
}
