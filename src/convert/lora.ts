/**
 * Converts a PEFT LoRA adapter folder (peft-adapter.ts) to a GGUF LoRA adapter
 * for a base model given by its GGUF header, as llama.cpp's
 * convert_lora_to_gguf.py does with its default `--outtype f32`
 * (https://github.com/ggml-org/llama.cpp/blob/master/convert_lora_to_gguf.py):
 *
 * - metadata: general.architecture (the base's), general.type `adapter`,
 *   adapter.type `lora`, general.name, adapter.lora.alpha (f32),
 *   adapter.alora.invocation_tokens when listed, general.quantization_version;
 * - tensors `<base GGUF name>.lora_a` and `.lora_b`, pair by pair in the
 *   order of the sorted safetensors names, every one F32 (or F16 or BF16, as
 *   the reference's `--outtype f16`/`bf16` writes them: `outType`);
 * - lora_A [r, n_in] is written as is (ggml [n_in, r]); lora_B [n_out, r] too
 *   (ggml [r, n_out]); an embedding's A is transposed (ggml [r, vocab]);
 * - Llama's q/k rotate-half permutation (LlamaModel.permute) is applied to
 *   lora_B's rows, as LoraTorchTensor.permute does (A is left alone: the
 *   permutation reorders output rows, and B holds the outputs).
 *
 * The output is a pure function of the two files, the base's architecture and
 * head counts, and `name`: no time, no path in it.
 */
import { encodeFloats, GgmlType, gv, writeGguf, type GgufFile, type GgufMetadataEntry, type GgufTensorInput, GgufValueType } from "../gguf/index.js";
import { error, InputError } from "../diagnostics/index.js";
import { ARCHITECTURES, type Architecture } from "./architectures.js";
import { ggufName } from "./convert.js";
import { openPeftAdapter, type PeftAt, type LoraPair } from "./peft-adapter.js";
import { convertTensorData, decodeToF32, permuteRows } from "./tensor-data.js";

export { LORA_CONVERTER_VERSION } from "./version.js";
import type { ConvertOutType } from "./version.js";

/** What the conversion needs of the base model: read from its GGUF. */
export interface LoraBase {
  arch: Architecture;
  nHead: number;
  nHeadKv: number;
  /** Base tensor dims (ggml order) by GGUF name. */
  tensors: ReadonlyMap<string, readonly number[]>;
}

/** The base as the conversion sees it; MS3325 when modelsmith does not convert adapters for its architecture. */
export function loraBaseOf(base: GgufFile, shown: string, at: PeftAt): LoraBase {
  const archName = base.metadata.get("general.architecture")?.value;
  const arch = Object.values(ARCHITECTURES).find((a) => a.gguf === archName);
  if (!arch) {
    const known = [...new Set(Object.values(ARCHITECTURES).map((a) => a.gguf))].join(", ");
    throw new InputError(error("MS3325", `ADAPTER ${shown}: the base model's architecture is \`${String(archName)}\`; modelsmith converts PEFT adapters for ${known}`, { ...at, hint: "convert the adapter with llama.cpp's convert_lora_to_gguf.py and point ADAPTER at the .gguf" }));
  }
  const num = (k: string) => {
    const v = base.metadata.get(`${arch.gguf}.${k}`)?.value;
    return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
  };
  const nHead = num("attention.head_count");
  if (nHead === undefined) throw new InputError(error("MS3325", `ADAPTER ${shown}: the base model has no ${arch.gguf}.attention.head_count`, at));
  return { arch, nHead, nHeadKv: num("attention.head_count_kv") ?? nHead, tensors: new Map(base.tensors.map((t) => [t.name, t.dims])) };
}

export interface ConvertLoraOptions {
  /** The PEFT folder. */
  dir: string;
  /** The ADAPTER text, for messages. */
  shown: string;
  at: PeftAt;
  base: LoraBase;
  outPath: string;
  /** general.name; default "adapter" (never the folder's name, so that the bytes depend only on the files). */
  name?: string;
  /** The tensors' type, as convert_lora_to_gguf.py's `--outtype` (f32, its default; f16; bf16); default F32. */
  outType?: ConvertOutType;
  signal?: AbortSignal;
}

interface PlannedPair {
  pair: LoraPair;
  name: string;
  /** Heads whose B rows are permuted (q/k of a Llama), else undefined. */
  permuteHeads?: number;
}

type Entry = [string, GgufMetadataEntry];

const GGML_OF: Record<ConvertOutType, number> = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 };

/** Converts; every problem of the adapter against the base is an InputError at `at`, before anything is written. */
export async function convertPeftAdapter(o: ConvertLoraOptions): Promise<{ digest: string; size: number; tensorCount: number }> {
  const adapter = await openPeftAdapter(o.dir, o.shown, o.at);
  try {
    const planned = adapter.pairs.map((p) => planPair(p, o));
    const metadata: Entry[] = [
      ["general.architecture", gv.str(o.base.arch.gguf)],
      ["general.type", gv.str("adapter")],
      ["adapter.type", gv.str("lora")],
      ["general.name", gv.str(o.name ?? "adapter")],
      ["adapter.lora.alpha", gv.f32(adapter.alpha)],
      ...(adapter.invocationTokens ? [["adapter.alora.invocation_tokens", gv.arr(GgufValueType.UINT32, adapter.invocationTokens)] as Entry] : []),
      ["general.quantization_version", gv.u32(2)],
    ];
    const tensors: GgufTensorInput[] = [];
    // Every pair is 2-D and named .lora_a/.lora_b, so the reference's prepare_tensors gives each the --outtype's type.
    const type = GGML_OF[o.outType ?? "F32"];
    for (const p of planned) {
      const { a, b } = p.pair;
      const what = (e: typeof a) => `${o.shown}: tensor ${e.name}`;
      tensors.push({
        name: `${p.name}.lora_a`,
        dims: p.pair.embedding ? [a.shape[0]!, a.shape[1]!] : [a.shape[1]!, a.shape[0]!],
        type,
        data: async function* () {
          o.signal?.throwIfAborted();
          const raw = await adapter.file.read(a);
          yield p.pair.embedding ? encodeFloats(transpose(decodeToF32(raw, a.dtype, what(a)), a.shape[0]!, a.shape[1]!), type) : convertTensorData(raw, a.dtype, type, what(a));
        },
      });
      tensors.push({
        name: `${p.name}.lora_b`,
        dims: [b.shape[1]!, b.shape[0]!],
        type,
        data: async function* () {
          o.signal?.throwIfAborted();
          let raw: Uint8Array = await adapter.file.read(b);
          if (p.permuteHeads !== undefined) raw = permuteRows(raw, b.shape[0]!, raw.length / b.shape[0]!, p.permuteHeads);
          yield convertTensorData(raw, b.dtype, type, what(b));
        },
      });
    }
    o.signal?.throwIfAborted();
    const written = await writeGguf(o.outPath, { metadata, tensors });
    return { digest: `sha256:${written.sha256}`, size: written.size, tensorCount: tensors.length };
  } finally {
    await adapter.close();
  }
}

/** The GGUF name of the pair's base tensor, checked against the base: MS3323 when it has none, MS3324 when the shapes differ. */
function planPair(pair: LoraPair, o: ConvertLoraOptions): PlannedPair {
  const { arch } = o.base;
  const module = pair.base.replace(/\.weight$/, "");
  const name = arch.skip(pair.base) ? undefined : ggufName(arch, pair.base);
  if (name === undefined) {
    throw new InputError(error("MS3323", `ADAPTER ${o.shown}: target module ${module} is not a tensor modelsmith maps for ${arch.gguf}`, { ...o.at, hint: "train the adapter on the attention and MLP projections (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)" }));
  }
  const have = o.base.tensors.get(name);
  if (!have) {
    throw new InputError(error("MS3323", `ADAPTER ${o.shown}: target module ${module} (${name}) is not in the base model`, { ...o.at, hint: name === "output.weight" ? "the base ties its output to the token embeddings, so it has no separate lm_head to adapt" : "the adapter was trained on another model: FROM that model" }));
  }
  // With tied embeddings llama.cpp's output matmul reads token_embd and applies its LoRA there too (build_lora_mm looks
  // the adapter up by tensor), where the embedding's [r, vocab] A does not fit: GGML_ASSERT(ggml_can_mul_mat) aborts.
  if (name === "token_embd.weight" && !o.base.tensors.has("output.weight")) {
    throw new InputError(error("MS3323", `ADAPTER ${o.shown}: an embedding LoRA (${module}) on a base whose output is tied to its token embeddings: llama.cpp would apply it to the output too and abort`, { ...o.at, hint: "train the adapter without embed_tokens in target_modules" }));
  }
  // The update B·A in PyTorch order: [n_out, n_in]; an embedding's is [dim, vocab], stored [vocab, dim] in PyTorch.
  const { a, b } = pair;
  const update = pair.embedding ? [a.shape[1]!, b.shape[0]!] : [b.shape[0]!, a.shape[1]!];
  const baseShape = [...have].reverse();
  if (baseShape.length !== 2 || baseShape[0] !== update[0] || baseShape[1] !== update[1]) {
    throw new InputError(
      error("MS3324", `ADAPTER ${o.shown}: ${module}'s lora_A [${a.shape.join(", ")}] and lora_B [${b.shape.join(", ")}] make a [${update.join(", ")}] update, but the base model's ${name} is [${baseShape.join(", ")}]`, {
        ...o.at,
        hint: "the adapter was trained on another model (shapes are PyTorch's [out, in]): FROM the model it was trained on",
      }),
    );
  }
  const planned: PlannedPair = { pair, name };
  if (arch.permuteQK && /^blk\.\d+\.attn_q\.weight$/.test(name)) planned.permuteHeads = o.base.nHead;
  if (arch.permuteQK && /^blk\.\d+\.attn_k\.weight$/.test(name)) planned.permuteHeads = o.base.nHeadKv;
  if (planned.permuteHeads !== undefined && b.shape[0]! % (planned.permuteHeads * 2) !== 0) {
    throw new InputError(error("MS3324", `ADAPTER ${o.shown}: ${module}'s lora_B has ${b.shape[0]} rows, which do not split into ${planned.permuteHeads} heads of two halves`, o.at));
  }
  return planned;
}

/** Row-major [rows, cols] to [cols, rows]. */
function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j]!;
  return out;
}
