/**
 * PEFT LoRA adapter folders with random weights, for the adapter converter's
 * tests: adapter_config.json and adapter_model.safetensors as PEFT's
 * `save_pretrained` writes them for a causal LM (tensor names
 * `base_model.model.<module>.lora_A.weight` of shape [r, n_in] and
 * `….lora_B.weight` of [n_out, r]). Both A and B are random (PEFT starts B at
 * zero; a trained adapter has moved it), so the adapter changes the model.
 * Deterministic: the bytes depend on nothing but the spec.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeSafetensors } from "../convert/safetensors.js";
import { encodeFloats, GgmlType } from "../gguf/index.js";
import { hfConfig, hfTensorShapes, type HfCheckpointSpec } from "./hfCheckpoint.js";
import { Xoshiro128 } from "./prng.js";

export interface PeftAdapterSpec {
  /** The base checkpoint the adapter is for (its module shapes). */
  base: HfCheckpointSpec;
  seed: number;
  /** LoRA rank; default 4. */
  r?: number;
  /** lora_alpha; default 2 * r. */
  alpha?: number;
  /** Module names (the last part: q_proj, k_proj…); default q, k, v and o. */
  targets?: string[];
  /** Storage dtype; default F32 (PEFT keeps the LoRA weights in float32). */
  dtype?: "F32" | "F16" | "BF16";
  /** Scale of the random weights; default 1 (B's values ±scale/sqrt(r)). */
  scale?: number;
  /** Also adapt the token embeddings (`lora_embedding_A` [r, vocab], `lora_embedding_B` [hidden, r]); default false. */
  embeddings?: boolean;
  /** Keys merged into adapter_config.json. */
  config?: Record<string, unknown>;
}

/** adapter_config.json of the spec, with PEFT's usual keys. */
export function peftAdapterConfig(spec: PeftAdapterSpec): Record<string, unknown> {
  const r = spec.r ?? 4;
  return {
    base_model_name_or_path: "modelsmith/test-base",
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    lora_alpha: spec.alpha ?? 2 * r,
    lora_dropout: 0.0,
    modules_to_save: null,
    peft_type: "LORA",
    r,
    target_modules: [...(spec.targets ?? ["q_proj", "k_proj", "v_proj", "o_proj"])].sort(),
    task_type: "CAUSAL_LM",
    use_dora: false,
    use_rslora: false,
    ...spec.config,
  };
}

/** Writes adapter_config.json and adapter_model.safetensors into `dir`. */
export async function writePeftAdapter(dir: string, spec: PeftAdapterSpec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const r = spec.r ?? 4;
  const targets = new Set(spec.targets ?? ["q_proj", "k_proj", "v_proj", "o_proj"]);
  const dtype = spec.dtype ?? "F32";
  const type = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 }[dtype];
  const scale = spec.scale ?? 1;
  const tensors: Parameters<typeof encodeSafetensors>[0][number][] = [];
  let stream = 0;
  for (const [name, shape] of hfTensorShapes(spec.base, hfConfig(spec.base))) {
    const m = /^(?:(.*)\.)?([a-z_]+)\.weight$/.exec(name);
    if (!m || !targets.has(m[2]!) || shape.length !== 2) continue;
    const [out, inp] = shape as [number, number];
    const a = new Float32Array(r * inp);
    const b = new Float32Array(out * r);
    new Xoshiro128(spec.seed, stream++).fillUniform(a, 1 / Math.sqrt(inp));
    new Xoshiro128(spec.seed, stream++).fillUniform(b, scale / Math.sqrt(r));
    const prefix = `base_model.model.${m[1] ? `${m[1]}.` : ""}${m[2]}`;
    tensors.push({ name: `${prefix}.lora_A.weight`, dtype, shape: [r, inp], data: encodeFloats(a, type) });
    tensors.push({ name: `${prefix}.lora_B.weight`, dtype, shape: [out, r], data: encodeFloats(b, type) });
  }
  if (spec.embeddings) {
    const { vocabSize: vocab, hidden } = spec.base;
    const a = new Float32Array(r * vocab);
    const b = new Float32Array(hidden * r);
    new Xoshiro128(spec.seed, stream++).fillUniform(a, 1);
    new Xoshiro128(spec.seed, stream++).fillUniform(b, scale / Math.sqrt(r));
    tensors.push({ name: "base_model.model.model.embed_tokens.lora_embedding_A", dtype, shape: [r, vocab], data: encodeFloats(a, type) });
    tensors.push({ name: "base_model.model.model.embed_tokens.lora_embedding_B", dtype, shape: [hidden, r], data: encodeFloats(b, type) });
  }
  // safetensors' Python library writes tensors sorted by name.
  tensors.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  await writeFile(join(dir, "adapter_config.json"), JSON.stringify(peftAdapterConfig(spec), null, 2) + "\n");
  await writeFile(join(dir, "adapter_model.safetensors"), encodeSafetensors(tensors, { format: "pt" }));
}
