import type { GgufFile } from "./reader.js";
import { GgufValueType, type GgufMetadataEntry } from "./valueTypes.js";

/** One hyperparameter (or tensor) that llama.cpp would refuse or abort on. */
export interface HparamProblem {
  /** MS3090: a metadata value; MS3091: a tensor whose shape does not match the metadata. */
  code: "MS3090" | "MS3091";
  /** The GGUF metadata key (or tensor name) to fix. */
  key: string;
  message: string;
}

/** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS (src/llama-hparams.h). */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
/** llama.cpp's LLAMA_ROPE_SCALING_TYPES (src/llama-model.cpp); any other name is GGML_ASSERT(... != UNSPECIFIED). */
const ROPE_SCALING_TYPES = ["none", "linear", "yarn", "longrope"];
/**
 * Architectures whose tensors follow llama's names and shapes, as their
 * `load_arch_tensors` in llama.cpp's src/models/<arch>.cpp create them (q, k
 * and v through `create_tensor_qkv`, so also a fused attn_qkv), with what
 * differs: the input width of attn_output (n_embd in qwen2, internlm2 and
 * starcoder2; head size × heads elsewhere), phi3's ffn_up of 2 × n_ff and no
 * gate, qwen3's q/k norms of the head size. `rotIsHead`: the graph asserts
 * `n_embd_head == n_rot` and equal key and value head sizes (GGML_ASSERT: an
 * abort at the first evaluation), as llama, qwen2, qwen3, granite, smollm3,
 * internlm2, starcoder2 and mistral3 do; gemma's do not.
 */
interface Layout {
  attnOutIn: "embd" | "heads";
  ffnUpTimes?: 2;
  noGate?: true;
  qkNorm?: true;
  rotIsHead: boolean;
}
const STANDARD: Layout = { attnOutIn: "heads", rotIsHead: true };
const LAYOUTS: Record<string, Layout> = {
  llama: STANDARD,
  mistral3: STANDARD,
  granite: STANDARD,
  smollm3: STANDARD,
  qwen2: { attnOutIn: "embd", rotIsHead: true },
  internlm2: { attnOutIn: "embd", rotIsHead: true },
  starcoder2: { attnOutIn: "embd", noGate: true, rotIsHead: true },
  qwen3: { attnOutIn: "heads", qkNorm: true, rotIsHead: true },
  phi3: { attnOutIn: "embd", ffnUpTimes: 2, noGate: true, rotIsHead: false },
  gemma: { attnOutIn: "heads", rotIsHead: false },
  gemma2: { attnOutIn: "heads", rotIsHead: false },
  gemma3: { attnOutIn: "heads", rotIsHead: false },
};
const U32_MAX = 0xffffffff;

/**
 * The hyperparameters of a model GGUF that llama.cpp (the version node-llama-cpp
 * bundles) asserts on while it loads or first evaluates the model, checked
 * before it ever sees them: a GGML_ASSERT there aborts the whole process.
 *
 * For every architecture, the `<arch>.*` keys that are present: counts are
 * unsigned 32-bit integers in range (block_count 1..512, expert_count ≤ 1024,
 * expert_used_count ≤ expert_count, ...), head_count_kv ≤ head_count and
 * divides it, per-layer arrays have block_count items, epsilons and RoPE
 * factors are finite (epsilons ≥ 0: ggml's `GGML_ASSERT(eps >= 0.0f)`), a
 * RoPE scaling type llama.cpp knows, an even rope.dimension_count. For
 * the architectures in LAYOUTS (llama's tensor names) also the dimensions that must divide and the
 * shape of every standard tensor present. Adapters and projectors
 * (`general.type` other than model) are not checked here.
 */
export function hyperparameterProblems(gguf: GgufFile): HparamProblem[] {
  const md = gguf.metadata;
  const type = md.get("general.type")?.value;
  const arch = md.get("general.architecture")?.value;
  if ((typeof type === "string" && type !== "model") || typeof arch !== "string" || arch === "clip") return [];
  const out: HparamProblem[] = [];
  const bad = (key: string, message: string) => out.push({ code: "MS3090", key, message: `${key} ${message}` });
  const k = (name: string) => `${arch}.${name}`;

  const uint = (name: string, min = 0, max = U32_MAX): number | undefined => {
    const key = k(name);
    const e = md.get(key);
    if (e === undefined) return undefined;
    const v = scalarNumber(e);
    if (v === undefined || !Number.isInteger(v)) return void bad(key, `must be an unsigned integer, got ${shown(e)}`);
    if (v < min || v > max) return void bad(key, `is ${v}; llama.cpp needs ${range(min, max)}`);
    return v;
  };
  const float = (name: string, min: number, minOpen = false): number | undefined => {
    const key = k(name);
    const e = md.get(key);
    if (e === undefined) return undefined;
    const v = scalarNumber(e);
    if (v === undefined || !Number.isFinite(v)) return void bad(key, `must be a finite number, got ${shown(e)}`);
    if (minOpen ? v <= min : v < min) return void bad(key, `is ${v}; llama.cpp needs a number ${minOpen ? ">" : "≥"} ${min}`);
    return v;
  };

  uint("context_length", 1);
  const nEmbd = uint("embedding_length", 1);
  const nLayer = uint("block_count", 1, MAX_LAYERS);
  const nextn = uint("nextn_predict_layers");
  if (nextn !== undefined && nLayer !== undefined && nextn > nLayer) bad(k("nextn_predict_layers"), `is ${nextn}, more than block_count ${nLayer}`);

  const perLayer = (name: string, min = 0, max = U32_MAX): number[] | undefined => {
    const key = k(name);
    const e = md.get(key);
    if (e === undefined) return undefined;
    if (e.type !== GgufValueType.ARRAY) {
      const v = uint(name, min, max);
      return v === undefined ? undefined : [v];
    }
    const items = (e.value as { items: unknown[] }).items;
    if (nLayer !== undefined && items.length !== nLayer) return void bad(key, `has ${items.length} items; llama.cpp needs one per layer (block_count ${nLayer})`);
    const vals: number[] = [];
    for (const [i, item] of items.entries()) {
      const v = typeof item === "bigint" ? Number(item) : item;
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return void bad(key, `item ${i} is ${String(v)}; llama.cpp needs ${range(min, max)}`);
      vals.push(v);
    }
    return vals;
  };

  const nExpert = uint("expert_count", 0, MAX_EXPERTS) ?? 0;
  const used = perLayer("expert_used_count");
  const usedMax = used ? Math.max(0, ...used) : 0;
  const groups = uint("expert_group_count") ?? 0;
  const groupUsed = uint("expert_group_used_count") ?? 0;
  if (used && usedMax > nExpert) bad(k("expert_used_count"), `is ${usedMax}, more than expert_count ${nExpert}`);
  else if (nExpert > 0 && usedMax === 0) bad(k("expert_used_count"), `is ${used ? "0" : "missing"}; a model with expert_count ${nExpert} must use at least one`);
  if (nExpert > 0 && groups > 0 && groups >= nExpert) bad(k("expert_group_count"), `is ${groups}; it must be less than expert_count ${nExpert}`);
  else if (nExpert > 0 && groups > 1 && (nExpert % groups !== 0 || groupUsed === 0 || groupUsed >= groups)) {
    bad(k("expert_group_count"), `${groups} must divide expert_count ${nExpert}, with 0 < expert_group_used_count ${groupUsed} < ${groups}`);
  } else if (nExpert === 0 && groups !== 0) bad(k("expert_group_count"), `is ${groups}, but the model has no experts`);

  perLayer("feed_forward_length");
  const heads = perLayer("attention.head_count");
  const kvHeads = perLayer("attention.head_count_kv");
  if (heads && kvHeads) {
    for (let i = 0; i < Math.max(heads.length, kvHeads.length); i++) {
      const h = heads[Math.min(i, heads.length - 1)]!;
      const kv = kvHeads[Math.min(i, kvHeads.length - 1)]!;
      if (kv > h || (kv > 0 && h % kv !== 0)) {
        const where = kvHeads.length > 1 ? ` at layer ${i}` : "";
        bad(k("attention.head_count_kv"), kv > h ? `is ${kv}${where}, more than attention.head_count (${h})` : `is ${kv}${where}; it must divide attention.head_count (${h})`);
        break;
      }
    }
  }
  const keyLength = uint("attention.key_length", 1);
  const valueLength = uint("attention.value_length", 1);
  const nRot = uint("rope.dimension_count");
  if (nRot !== undefined && nRot % 2 !== 0) bad(k("rope.dimension_count"), `is ${nRot}; RoPE needs an even number of dimensions`);

  float("attention.layer_norm_rms_epsilon", 0);
  float("attention.layer_norm_epsilon", 0);
  float("rope.freq_base", 0, true);
  float("rope.scaling.factor", 0);
  float("rope.scale_linear", 0);
  float("rope.scaling.attn_factor", 0);
  const scaling = md.get(k("rope.scaling.type"));
  if (scaling !== undefined && (typeof scaling.value !== "string" || !ROPE_SCALING_TYPES.includes(scaling.value))) {
    bad(k("rope.scaling.type"), `is ${shown(scaling)}; llama.cpp knows ${ROPE_SCALING_TYPES.join(", ")}`);
  }

  const layout = LAYOUTS[arch];
  if (out.length === 0 && layout && nEmbd !== undefined && nLayer !== undefined && heads) {
    out.push(...layoutProblems(gguf, arch, layout, { nEmbd, nLayer, heads, kvHeads: kvHeads ?? heads, keyLength, valueLength, nRot, nExpert }));
  }
  return out;
}

interface LlamaDims {
  nEmbd: number;
  nLayer: number;
  heads: number[];
  kvHeads: number[];
  keyLength: number | undefined;
  valueLength: number | undefined;
  nRot: number | undefined;
  nExpert: number;
}

/** Dimensions that must divide, and the shapes llama.cpp's loader for `arch` creates for each standard tensor. */
function layoutProblems(gguf: GgufFile, arch: string, layout: Layout, d: LlamaDims): HparamProblem[] {
  const out: HparamProblem[] = [];
  const bad = (key: string, message: string) => out.push({ code: "MS3090", key, message: `${key} ${message}` });
  const nHead = d.heads[0]!;
  if (nHead === 0) return [{ code: "MS3090", key: `${arch}.attention.head_count`, message: `${arch}.attention.head_count is 0; a ${arch} needs at least one head` }];
  if (d.keyLength === undefined && d.nEmbd % nHead !== 0) bad(`${arch}.embedding_length`, `${d.nEmbd} is not a multiple of attention.head_count ${nHead}`);
  const headK = d.keyLength ?? Math.floor(d.nEmbd / nHead);
  const headV = d.valueLength ?? Math.floor(d.nEmbd / nHead);
  if (layout.rotIsHead && d.nRot !== undefined && d.nRot !== headK) bad(`${arch}.rope.dimension_count`, `is ${d.nRot}; llama.cpp needs the head size ${headK}`);
  if (layout.rotIsHead && headK !== headV) bad(`${arch}.attention.value_length`, `is ${headV}; a ${arch} needs it equal to the key length ${headK}`);
  if (out.length) return out;

  const ff = gguf.metadata.get(`${arch}.feed_forward_length`);
  const ffs = ff === undefined ? undefined : ff.type === GgufValueType.ARRAY ? (ff.value as { items: unknown[] }).items.map(Number) : [Number(scalarNumber(ff))];
  const tokens = gguf.metadata.get("tokenizer.ggml.tokens");
  const vocabEntry = gguf.metadata.get(`${arch}.vocab_size`);
  const nVocab = vocabEntry ? scalarNumber(vocabEntry) : tokens?.type === GgufValueType.ARRAY ? (tokens.value as { items: unknown[] }).items.length : undefined;
  const expected = new Map<string, (number | undefined)[]>();
  expected.set("token_embd.weight", [d.nEmbd, nVocab]);
  expected.set("output_norm.weight", [d.nEmbd]);
  expected.set("output.weight", [d.nEmbd, nVocab]);
  for (let i = 0; i < d.nLayer; i++) {
    const h = d.heads[Math.min(i, d.heads.length - 1)]!;
    const kv = d.kvHeads[Math.min(i, d.kvHeads.length - 1)]!;
    const nFf = ffs?.[Math.min(i, ffs.length - 1)];
    const b = `blk.${i}`;
    expected.set(`${b}.attn_norm.weight`, [d.nEmbd]);
    // create_tensor_qkv: q's width is n_embd where attn_output's input is.
    const q = layout.attnOutIn === "embd" ? d.nEmbd : headK * h;
    expected.set(`${b}.attn_q.weight`, [d.nEmbd, q]);
    expected.set(`${b}.attn_k.weight`, [d.nEmbd, headK * kv]);
    expected.set(`${b}.attn_v.weight`, [d.nEmbd, headV * kv]);
    expected.set(`${b}.attn_qkv.weight`, [d.nEmbd, q + headK * kv + headV * kv]);
    expected.set(`${b}.attn_q.bias`, [q]);
    expected.set(`${b}.attn_k.bias`, [headK * kv]);
    expected.set(`${b}.attn_v.bias`, [headV * kv]);
    expected.set(`${b}.attn_output.weight`, [q, d.nEmbd]);
    if (layout.qkNorm) {
      expected.set(`${b}.attn_q_norm.weight`, [headK]);
      expected.set(`${b}.attn_k_norm.weight`, [headK]);
    }
    expected.set(`${b}.ffn_norm.weight`, [d.nEmbd]);
    if (d.nExpert === 0) {
      if (!layout.noGate) expected.set(`${b}.ffn_gate.weight`, [d.nEmbd, nFf]);
      expected.set(`${b}.ffn_up.weight`, [d.nEmbd, nFf === undefined ? undefined : nFf * (layout.ffnUpTimes ?? 1)]);
      expected.set(`${b}.ffn_down.weight`, [nFf, d.nEmbd]);
    }
  }
  for (const t of gguf.tensors) {
    const want = expected.get(t.name);
    if (!want) continue;
    const dims = [...t.dims];
    while (dims.length > want.length && dims[dims.length - 1] === 1) dims.pop();
    if (dims.length !== want.length || want.some((w, i) => w !== undefined && w !== dims[i])) {
      out.push({
        code: "MS3091",
        key: t.name,
        message: `tensor ${t.name} has shape [${t.dims.join(", ")}], but the metadata (${arch}.*) gives [${want.map((w) => w ?? "?").join(", ")}]`,
      });
      if (out.length >= 5) break;
    }
  }
  return out;
}

function scalarNumber(e: GgufMetadataEntry): number | undefined {
  if (typeof e.value === "number") return e.value;
  if (typeof e.value === "bigint") return Number(e.value);
  return undefined;
}

function shown(e: GgufMetadataEntry): string {
  if (typeof e.value === "object") return "an array";
  if (typeof e.value === "string") return JSON.stringify(e.value.length > 40 ? `${e.value.slice(0, 40)}…` : e.value);
  return String(e.value);
}

function range(min: number, max: number): string {
  if (max === U32_MAX) return min === 0 ? "a uint32" : `a uint32 ≥ ${min}`;
  return `${min}..${max}`;
}
