import type { GgufFile } from "../gguf/index.js";

/** One reason llama.cpp would refuse an adapter: MS5285 not a LoRA adapter at all, MS5286 one made for another model. */
export interface AdapterProblem {
  code: "MS5285" | "MS5286";
  message: string;
  hint?: string;
}

/** At most this many tensor problems are listed; the rest are counted. */
const MAX_TENSOR_PROBLEMS = 3;

/**
 * Pure: why llama.cpp would refuse `adapter` as a LoRA on `base`, from the two
 * GGUF headers; [] when it would load it. The rules are llama.cpp's
 * `llama_adapter_lora_init_impl` (src/llama-adapter.cpp,
 * https://github.com/ggml-org/llama.cpp/blob/master/src/llama-adapter.cpp):
 *
 * - `general.type` must be "adapter" (a model GGUF is not a LoRA);
 * - `general.architecture` must be the base's;
 * - `adapter.type` must be "lora";
 * - every tensor ends in `.lora_a` or `.lora_b` (or `_norm.weight`, ignored);
 *   each `<name>` has both, `<name>` is a tensor of the base, and the shapes
 *   fit: A is [n_in(base), r], B is [r, n_out(base)] (ggml order); for
 *   `token_embd.weight` A and B are swapped (llm_build_inp_embd).
 */
export function adapterProblems(adapter: GgufFile, base: GgufFile): AdapterProblem[] {
  const kind = adapterKindProblem(adapter);
  if (kind) return [kind];
  const arch = str(adapter, "general.architecture") ?? "";
  const baseArch = str(base, "general.architecture") ?? "";
  if (arch !== baseArch) {
    return [{ code: "MS5286", message: `the adapter is for architecture \`${arch}\`, the base model is \`${baseArch}\``, hint: "an ADAPTER must be made for the FROM model (the same architecture and shapes)" }];
  }
  return tensorProblems(adapter, base);
}

function str(g: GgufFile, key: string): string | undefined {
  const v = g.metadata.get(key)?.value;
  return typeof v === "string" ? v : undefined;
}

/** MS5285 when the GGUF is not a LoRA adapter at all (its general.type, adapter.type); the part of the check that needs no base. */
export function adapterKindProblem(adapter: GgufFile): AdapterProblem | undefined {
  const generalType = str(adapter, "general.type");
  if (generalType !== "adapter") {
    const what = generalType === undefined ? "it has no general.type" : `its general.type is \`${generalType}\``;
    const model = generalType === "model" || adapter.tensors.some((t) => t.name === "token_embd.weight" || t.name === "output_norm.weight");
    const hint = model ? "this GGUF is a model: build FROM it instead; a LoRA fine-tune becomes a GGUF adapter with llama.cpp's convert_lora_to_gguf.py" : "convert the LoRA to GGUF with llama.cpp's convert_lora_to_gguf.py";
    return { code: "MS5285", message: `not a LoRA adapter: ${what}, llama.cpp loads only \`adapter\``, hint };
  }
  const adapterType = str(adapter, "adapter.type");
  if (adapterType !== "lora") {
    return { code: "MS5285", message: `not a LoRA adapter: its adapter.type is ${adapterType === undefined ? "missing" : `\`${adapterType}\``}, llama.cpp loads only \`lora\`` };
  }
  return undefined;
}

function tensorProblems(adapter: GgufFile, base: GgufFile): AdapterProblem[] {
  const found: string[] = [];
  const pairs = new Map<string, { a?: number[]; b?: number[] }>();
  for (const t of adapter.tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(t.name);
    if (m) {
      const p = pairs.get(m[1]!) ?? {};
      p[m[2] as "a" | "b"] = t.dims;
      pairs.set(m[1]!, p);
    } else if (!t.name.endsWith("_norm.weight")) found.push(`tensor \`${t.name}\` is not a LoRA tensor (\`.lora_a\` or \`.lora_b\`)`);
  }
  const baseDims = new Map(base.tensors.map((t) => [t.name, t.dims]));
  for (const [name, { a, b }] of pairs) {
    const w = baseDims.get(name);
    if (!a || !b) found.push(`\`${name}\` has ${a ? ".lora_a" : ".lora_b"} but not ${a ? ".lora_b" : ".lora_a"}`);
    else if (!w) found.push(`the base model has no tensor \`${name}\``);
    // Tied output: llama.cpp's output matmul reads token_embd and applies this LoRA there too, where A does not fit (GGML_ASSERT aborts).
    else if (name === "token_embd.weight" && !baseDims.has("output.weight")) found.push("`token_embd.weight` has a LoRA, but the base model's output is tied to it: llama.cpp would apply it to the output too and abort");
    else if (name.endsWith("token_embd.weight") ? w[0] !== b[1] || w[1] !== a[1] : w[0] !== a[0] || (w[1] ?? 1) !== b[1]) {
      found.push(`\`${name}\` is [${w.join(", ")}] in the base, but the adapter's A is [${a.join(", ")}] and B [${b.join(", ")}]`);
    } else if (!name.endsWith("token_embd.weight") && a[1] !== b[0]) found.push(`\`${name}\`: A's rank ${a[1]} is not B's ${b[0]}`);
  }
  if (found.length === 0) return [];
  const more = found.length > MAX_TENSOR_PROBLEMS ? `; and ${found.length - MAX_TENSOR_PROBLEMS} more` : "";
  return [{ code: "MS5286", message: `the adapter does not fit the base model: ${found.slice(0, MAX_TENSOR_PROBLEMS).join("; ")}${more}`, hint: "an ADAPTER must be made for the FROM model (the same architecture and shapes)" }];
}
