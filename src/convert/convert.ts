/**
 * Converts a Hugging Face checkpoint folder to GGUF, streaming: each tensor is
 * read, converted and written in chunks of whole rows (q/k one head at a
 * time), so memory stays at a few chunks, never a tensor, never the model. The output is a pure function of the input files and the
 * output type, byte for byte (no time, no host, no thread count in it).
 *
 * The GGUF matches what llama.cpp's convert_hf_to_gguf.py writes for the same
 * folder (see test/convert/differential.slow.test.ts), except `general.name`
 * (see docs/decisions.md, "Checkpoint conversion").
 */
import { basename, join } from "node:path";
import { error, InputError } from "../diagnostics/index.js";
import { encodeFloats, GgmlType, gv, fromHalfBits, toHalfBits, writeGguf, type GgufMetadataEntry, type GgufTensorInput, type GgufWriteInput, type TensorData, type TensorFill, HASH_WORKER_FROM } from "../gguf/index.js";
import { architectureOf, ropeParameters, type ArchHparams, type Architecture } from "./architectures.js";
import { openCheckpoint, type Checkpoint, type CheckpointTensor } from "./checkpoint.js";
import type { JsonObject } from "./json-file.js";
import { llama3RopeFactors } from "./rope-freqs.js";
import { convertTensorData, decodeToF32, keepsBytes, permuteRange, permuteRows } from "./tensor-data.js";
import { checkpointVocab } from "./vocab.js";

import { CONVERT_OUT_TYPES, type ConvertOutType } from "./version.js";
export { CONVERTER_VERSION, CONVERT_OUT_TYPES, type ConvertOutType } from "./version.js";

const OUT: Record<ConvertOutType, { ggml: number; fileType: number }> = {
  F32: { ggml: GgmlType.F32, fileType: 0 },
  F16: { ggml: GgmlType.F16, fileType: 1 },
  BF16: { ggml: GgmlType.BF16, fileType: 32 },
};

export interface ConvertOptions {
  /** The checkpoint folder. */
  dir: string;
  /** Default F16. */
  outType?: ConvertOutType;
  /** Where to write the GGUF (written beside it under a temporary name, renamed at the end). */
  outPath: string;
  signal?: AbortSignal;
  /** general.name; default the last segment of config.json's `_name_or_path`, else "model" (never the folder's path, so that the bytes depend only on the files). */
  name?: string;
  onProgress?: (written: number, total: number) => void;
}

export interface ConvertResult {
  /** "sha256:<hex>" of the GGUF written. */
  digest: string;
  size: number;
  /** general.architecture ("llama"). */
  arch: string;
  /** config.json architectures[0] ("LlamaForCausalLM"). */
  hfArch: string;
  tokenizer: "spm" | "bpe";
  /** tokenizer_config.json's chat template, when it has one. */
  chatTemplate?: string;
  tensorCount: number;
  /** The files of the folder the conversion read, sorted (the build hashes these for its cache key). */
  inputs: string[];
}

type Entry = [string, GgufMetadataEntry];

interface PlannedTensor {
  name: string;
  dims: number[];
  type: number;
  source?: CheckpointTensor;
  values?: Float32Array;
  permuteHeads?: number;
  plusOne?: boolean;
}

function hparams(config: JsonObject, configPath: string): ArchHparams {
  const need = (keys: string[]): number => {
    for (const k of keys) if (typeof config[k] === "number") return config[k] as number;
    throw new InputError(error("MS3201", `config.json: no number "${keys[0]}"`, { file: configPath, hint: "Use the config.json saved with the weights." }));
  };
  const blockCount = need(["num_hidden_layers", "n_layers", "n_layer", "num_layers"]);
  const nHead = need(["num_attention_heads", "n_head", "n_heads"]);
  const hidden = need(["hidden_size", "n_embd", "dim"]);
  const nHeadKv = typeof config.num_key_value_heads === "number" ? config.num_key_value_heads : nHead;
  const headDim = typeof config.head_dim === "number" ? config.head_dim : hidden / nHead;
  return { blockCount, nHead, nHeadKv, hidden, headDim, ffn: need(["intermediate_size", "n_inner", "hidden_dim"]), vocabSize: need(["vocab_size"]) };
}

/** HF tensor name to GGUF name, or undefined for one the architecture does not have. */
export function ggufName(arch: Architecture, name: string): string | undefined {
  if (name === "model.embed_tokens.weight") return "token_embd.weight";
  if (name === "model.norm.weight") return "output_norm.weight";
  if (name === "lm_head.weight") return "output.weight";
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (!m) return undefined;
  const mapped = arch.layerTensors[m[2]!];
  return mapped === undefined ? undefined : `blk.${m[1]}.${mapped}.${m[3]}`;
}

/** The row-major shape a GGUF-named tensor must have. */
function expectedShape(g: string, h: ArchHparams, arch: Architecture): number[] | undefined {
  const q = h.nHead * h.headDim;
  const kv = h.nHeadKv * h.headDim;
  const base = g.replace(/^blk\.\d+\./, "");
  const table: Record<string, number[]> = {
    "token_embd.weight": [h.vocabSize, h.hidden],
    "output.weight": [h.vocabSize, h.hidden],
    "output_norm.weight": [h.hidden],
    "attn_norm.weight": [h.hidden],
    "ffn_norm.weight": [h.hidden],
    "post_attention_norm.weight": [h.hidden],
    "post_ffw_norm.weight": [h.hidden],
    "attn_q.weight": [q, h.hidden],
    "attn_k.weight": [kv, h.hidden],
    "attn_v.weight": [kv, h.hidden],
    "attn_q.bias": [q],
    "attn_k.bias": [kv],
    "attn_v.bias": [kv],
    "attn_output.weight": [h.hidden, q],
    "ffn_gate.weight": [h.ffn, h.hidden],
    "ffn_up.weight": [arch.gguf === "phi3" ? 2 * h.ffn : h.ffn, h.hidden],
    "attn_qkv.weight": [q + 2 * kv, h.hidden],
    "ffn_down.weight": [h.hidden, h.ffn],
  };
  return table[base];
}

function planTensors(ck: Checkpoint, arch: Architecture, h: ArchHparams, outType: ConvertOutType, configPath: string): PlannedTensor[] {
  const planned: PlannedTensor[] = [];
  const rope = ropeParameters(ck.config);
  if (arch.gguf === "llama" && String(rope.rope_type ?? rope.type ?? "").toLowerCase() === "llama3") {
    const theta = typeof rope.rope_theta === "number" ? rope.rope_theta : ck.config.rope_theta;
    const values = llama3RopeFactors({ ...rope, ...(typeof theta === "number" ? { rope_theta: theta } : {}) }, h.headDim);
    planned.push({ name: "rope_freqs.weight", dims: [values.length], type: GgmlType.F32, values });
  }
  if (arch.gguf === "phi3" && Array.isArray(rope.long_factor)) {
    // conversion/phi.py Phi3MiniModel.generate_extra_tensors
    const short = rope.short_factor;
    if (!Array.isArray(short) || short.length !== rope.long_factor.length || rope.long_factor.length !== h.headDim / 2) {
      throw new InputError(error("MS3201", `config.json: rope_scaling long_factor and short_factor must both have ${h.headDim / 2} numbers`, { file: configPath }));
    }
    planned.push({ name: "rope_factors_long.weight", dims: [rope.long_factor.length], type: GgmlType.F32, values: Float32Array.from(rope.long_factor as number[]) });
    planned.push({ name: "rope_factors_short.weight", dims: [short.length], type: GgmlType.F32, values: Float32Array.from(short as number[]) });
  }
  for (const [name, t] of ck.tensors) {
    if (/\.(attention\.masked_bias|attention\.bias|rotary_emb\.inv_freq)$/.test(name) || arch.skip(name)) continue;
    const g = ggufName(arch, name);
    const file = basename(t.file.path);
    if (g === undefined) {
      throw new InputError(error("MS3206", `${file}: tensor ${name} is not part of ${arch.gguf}`, { file: t.file.path, hint: "The weights are not of the architecture config.json names, or are a variant modelsmith does not convert." }));
    }
    const want = expectedShape(g, h, arch);
    const shape = t.entry.shape;
    if (want && (want.length !== shape.length || want.some((d, i) => d !== shape[i]))) {
      throw new InputError(error("MS3205", `${file}: tensor ${name} has shape [${shape.join(", ")}], config.json implies [${want.join(", ")}]`, { file: t.file.path, hint: "The weights and config.json disagree: use the config.json saved with these weights." }));
    }
    if (!["F32", "F16", "BF16", "F64"].includes(t.entry.dtype)) {
      throw new InputError(error("MS3204", `${file}: tensor ${name} has dtype ${t.entry.dtype}; modelsmith converts F32, F16, BF16 and F64 tensors`, { file: t.file.path, hint: "Save the checkpoint in F32, F16 or BF16 (quantized checkpoints are not converted)." }));
    }
    const isNorm = shape.length <= 1 || g.endsWith("_norm.weight");
    const p: PlannedTensor = { name: g, dims: [...shape].reverse(), type: isNorm ? GgmlType.F32 : OUT[outType].ggml, source: t };
    if (arch.permuteQK && /^blk\.\d+\.attn_q\./.test(g)) p.permuteHeads = h.nHead;
    if (arch.permuteQK && /^blk\.\d+\.attn_k\./.test(g)) p.permuteHeads = h.nHeadKv;
    if (arch.normPlusOne && name.endsWith("norm.weight")) p.plusOne = true;
    planned.push(p);
  }
  const names = new Set(planned.map((p) => p.name));
  const required = ["token_embd.weight", "output_norm.weight"];
  for (let i = 0; i < h.blockCount; i++) {
    for (const s of Object.values(arch.layerTensors)) required.push(`blk.${i}.${s}.weight`);
  }
  for (const r of required) {
    if (!names.has(r)) {
      const hf = Object.entries(arch.layerTensors).find(([, v]) => r.endsWith(`.${v}.weight`));
      const hfName = r.startsWith("blk.") && hf ? `model.layers.${r.split(".")[1]}.${hf[0]}.weight` : r === "token_embd.weight" ? "model.embed_tokens.weight" : "model.norm.weight";
      throw new InputError(error("MS3205", `${basename(ck.dir)}: tensor ${hfName} is missing (config.json has ${h.blockCount} layers)`, { file: configPath, hint: "Download every shard; the weights and config.json must belong together." }));
    }
  }
  return planned;
}

/** Bytes read and converted at a time: memory stays at a few of these, not at the largest tensor. */
const CHUNK_BYTES = 8 << 20;

async function* tensorBytes(p: PlannedTensor, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (p.values) {
    yield encodeFloats(p.values, p.type);
    return;
  }
  const { file, entry } = p.source!;
  const what = `${basename(file.path)}: tensor ${entry.name}`;
  if (p.plusOne) {
    const values = decodeToF32(await file.read(entry), entry.dtype, what);
    // llama.cpp adds 1 in the tensor's own dtype: F16 stays F16, the rest are float32.
    for (let i = 0; i < values.length; i++) values[i] = entry.dtype === "F16" ? fromHalfBits(toHalfBits(values[i]! + 1)) : Math.fround(values[i]! + 1);
    yield encodeFloats(values, p.type);
    return;
  }
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0]!;
  const rowBytes = rows === 0 ? 0 : entry.size / rows;
  if (p.permuteHeads !== undefined) {
    // A head's rows are contiguous and permuted among themselves: as many whole heads as fit a chunk at a time.
    if (rows % (p.permuteHeads * 2) !== 0) throw new InputError(error("MS3205", `${what}: ${rows} rows do not split into ${p.permuteHeads} heads of two halves`, { file: file.path }));
    const headBytes = (rows / p.permuteHeads) * rowBytes;
    const perRead = Math.max(1, Math.floor(CHUNK_BYTES / headBytes));
    for (let h = 0; h < p.permuteHeads; h += perRead) {
      signal?.throwIfAborted();
      const heads = Math.min(perRead, p.permuteHeads - h);
      const raw = await file.readRange(entry, h * headBytes, heads * headBytes);
      yield convertTensorData(permuteRows(raw, (rows / p.permuteHeads) * heads, rowBytes, heads), entry.dtype, p.type, what);
    }
    return;
  }
  // Whole rows at a time (any element boundary would do: the conversion is per element).
  const step = rowBytes === 0 ? entry.size : Math.max(1, Math.floor(CHUNK_BYTES / rowBytes)) * rowBytes;
  for (let at = 0; at < entry.size; at += step) {
    signal?.throwIfAborted();
    yield convertTensorData(await file.readRange(entry, at, Math.min(step, entry.size - at)), entry.dtype, p.type, what);
  }
  if (entry.size === 0) yield new Uint8Array(0);
}

/**
 * A tensor written as it is in the file (the output type is its dtype): read
 * straight into the writer's buffers, q/k rows through `scratch` (whole heads
 * read, their rows moved into place). Undefined for one that is converted.
 */
function passThrough(p: PlannedTensor, signal: AbortSignal | undefined, scratch: { buf: Uint8Array }): TensorFill | undefined {
  if (p.values || p.plusOne || !keepsBytes(p.source!.entry.dtype, p.type)) return undefined;
  const { file, entry } = p.source!;
  if (p.permuteHeads === undefined) {
    return {
      bytes: entry.size,
      fill: (target, offset) => {
        signal?.throwIfAborted();
        return file.readInto(entry, offset, target);
      },
    };
  }
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0]!;
  if (rows % (p.permuteHeads * 2) !== 0) throw new InputError(error("MS3205", `${basename(file.path)}: tensor ${entry.name}: ${rows} rows do not split into ${p.permuteHeads} heads of two halves`, { file: file.path }));
  const rowBytes = entry.size / rows;
  const rowsPerHead = rows / p.permuteHeads;
  const headBytes = rowsPerHead * rowBytes;
  return {
    bytes: entry.size,
    fill: async (target, offset) => {
      signal?.throwIfAborted();
      const first = Math.floor(offset / headBytes);
      const need = (Math.ceil((offset + target.length) / headBytes) - first) * headBytes;
      if (scratch.buf.length < need) scratch.buf = new Uint8Array(need);
      const raw = scratch.buf.subarray(0, need);
      await file.readInto(entry, first * headBytes, raw);
      permuteRange(raw, target, offset - first * headBytes, rowsPerHead, rowBytes);
    },
  };
}

/** gguf-py's size_label / model_weight_count_rounded_notation. */
export function sizeLabel(params: number): string {
  const [scaled, suffix] = params > 1e12 ? [params * 1e-12, "T"] : params > 1e9 ? [params * 1e-9, "B"] : params > 1e6 ? [params * 1e-6, "M"] : [params * 1e-3, "K"];
  const rounded = Math.abs(scaled - Math.trunc(scaled)) === 0.5 ? 2 * Math.round(scaled / 2) : Math.round(scaled);
  const fix = Math.max(2 - String(rounded).replace(/^0+/, "").length, 0);
  return scaled.toFixed(fix) + suffix;
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<ConvertResult> {
  const outType = opts.outType ?? "F16";
  if (!OUT[outType]) throw new InputError(error("MS3201", `output type ${String(outType)} is not one of ${CONVERT_OUT_TYPES.join(", ")}`));
  const ck = await openCheckpoint(opts.dir);
  try {
    const configPath = join(opts.dir, "config.json");
    const { hfArch, arch } = architectureOf(ck.config, configPath);
    const h = hparams(ck.config, configPath);
    const planned = planTensors(ck, arch, h, outType, configPath);
    const params = planned.reduce((n, p) => n + p.dims.reduce((a, b) => a * b, 1), 0);
    // A large output is hashed and written by worker threads, started now so that they are up once the vocabulary is
    // read and the header laid out (a worker takes ~55 ms of CPU to start, which would otherwise come before the first
    // byte is hashed).
    const workers = params * (outType === "F32" ? 4 : 2) >= HASH_WORKER_FROM;
    const vocabRead = checkpointVocab(opts.dir, ck.config, arch.vocab === "phi3" ? "phi3" : undefined);
    const input = vocabRead.then((vocab): GgufWriteInput => {
      if (arch.vocab === "spm" && vocab.kind !== "spm") {
        throw new InputError(error("MS3207", `${basename(opts.dir)}: ${arch.gguf} needs tokenizer.model (SentencePiece)`, { file: opts.dir, hint: "Copy tokenizer.model from the model's repository beside config.json." }));
      }
      const metadata: Entry[] = [
        ["general.architecture", gv.str(arch.gguf)],
        ...phi3AttnFactor(arch, ck.config),
        ["general.type", gv.str("model")],
        ["general.name", gv.str(opts.name ?? defaultName(ck.config))],
        ["general.size_label", gv.str(sizeLabel(params))],
        ...arch.params(ck.config, h, OUT[outType].fileType),
        ["general.quantization_version", gv.u32(2)],
        // Only LlamaModel.set_vocab copies tokenizer_config.json's add_prefix_space.
        ...vocab.entries.filter(([k]) => arch.gguf === "llama" || k !== "tokenizer.ggml.add_space_prefix"),
        ...(arch.gguf === "gemma2" ? [["tokenizer.ggml.add_space_prefix", gv.bool(false)] as Entry] : []),
      ];
      // One scratch buffer for every permuted tensor: the writer fills one piece at a time.
      const scratch = { buf: new Uint8Array(0) };
      const tensors: GgufTensorInput[] = planned.map((p) => {
        const data: TensorData = (p.source && passThrough(p, opts.signal, scratch)) ?? (() => tensorBytes(p, opts.signal));
        return { name: p.name, dims: p.dims, type: p.type, data };
      });
      opts.signal?.throwIfAborted();
      return { metadata: dedupe(metadata), tensors };
    });
    const written = await writeGguf(opts.outPath, input, opts.onProgress, { hashInWorker: workers, writeInWorker: workers });
    const vocab = await vocabRead;
    const inputs = new Set(["config.json", ...ck.shards.map((s) => basename(s.path)), ...vocab.files]);
    if (ck.shards.length > 0 && (await import("node:fs")).existsSync(join(opts.dir, "model.safetensors.index.json"))) inputs.add("model.safetensors.index.json");
    return {
      digest: `sha256:${written.sha256}`,
      size: written.size,
      arch: arch.gguf,
      hfArch,
      tokenizer: vocab.kind,
      ...(vocab.chatTemplate !== undefined ? { chatTemplate: vocab.chatTemplate } : {}),
      tensorCount: planned.length,
      inputs: [...inputs].sort(),
    };
  } finally {
    await ck.close();
  }
}

/** Phi3MiniModel.generate_extra_tensors writes the long-context attention factor before anything else. */
function phi3AttnFactor(arch: Architecture, config: JsonObject): Entry[] {
  const rope = ropeParameters(config);
  if (arch.gguf !== "phi3" || !Array.isArray(rope.long_factor)) return [];
  const max = Number(config.max_position_embeddings ?? config.n_positions);
  const orig = Number(rope.original_max_position_embeddings ?? config.original_max_position_embeddings);
  const scale = max / orig;
  const type = String(rope.rope_type ?? rope.type ?? "").toLowerCase();
  let factor: number;
  if (type === "su" || type === "longrope") factor = scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
  else if (type === "yarn") factor = scale > 1 ? 0.1 * Math.log(scale) + 1 : 1;
  else throw new InputError(error("MS3201", `config.json: rope_scaling type "${type}" with long_factor is not one modelsmith converts (longrope, su, yarn)`));
  return [["phi3.rope.scaling.attn_factor", gv.f32(factor)]];
}

function defaultName(config: JsonObject): string {
  const p = typeof config._name_or_path === "string" ? config._name_or_path.split("/").filter(Boolean).pop() : undefined;
  return p ?? "model";
}

/** A key written twice keeps its first place and its last value (gguf-py overwrites in place). */
function dedupe(entries: Entry[]): Entry[] {
  const map = new Map<string, GgufMetadataEntry>();
  for (const [k, v] of entries) map.set(k, v);
  return [...map];
}
