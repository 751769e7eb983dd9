/**
 * Every PARAMETER Ollama knows (api.Options and api.Runner in ollama/api/types.go),
 * with the JSON type Ollama converts it to (`api.FormatParams`) and the range
 * modelsmith accepts. Names are case-sensitive, as in Ollama.
 *
 * Types: `int` is Go's `strconv.ParseInt(s, 10, 64)` (optional sign, decimal
 * digits), `float` is `strconv.ParseFloat(s, 32)` (decimal, exponent, hex
 * float, inf, nan), `bool` is `strconv.ParseBool` (1 t T TRUE true True 0 f F
 * FALSE false False), `stringList` collects one string per line (`stop`).
 */
export type ParameterType = "int" | "float" | "bool" | "stringList";

export interface ParameterSpec {
  type: ParameterType;
  /** Inclusive bounds; `minExclusive` makes the lower bound exclusive. Numbers must be finite. */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  /** What it does, one line (shown in hints and docs). */
  description: string;
}

export const PARAMETERS: Readonly<Record<string, ParameterSpec>> = {
  // api.Options: sampling and prediction
  num_keep: { type: "int", min: -1, description: "tokens of the prompt kept when the context shifts (-1: all)" },
  seed: { type: "int", description: "random seed (-1: random)" },
  num_predict: { type: "int", min: -2, description: "maximum tokens to generate (-1: until end of sequence, at most 10 x num_ctx; -2: fill the context)" },
  top_k: { type: "int", min: 0, description: "sample from the k most likely tokens (0: disabled)" },
  top_p: { type: "float", min: 0, max: 1, description: "nucleus sampling cutoff" },
  min_p: { type: "float", min: 0, max: 1, description: "minimum probability relative to the most likely token" },
  typical_p: { type: "float", min: 0, max: 1, description: "locally typical sampling (1: disabled)" },
  repeat_last_n: { type: "int", min: -1, description: "tokens looked back for repetition (-1: the whole context)" },
  temperature: { type: "float", min: 0, description: "randomness; 0 is greedy" },
  repeat_penalty: { type: "float", min: 0, description: "penalty for repeated tokens (1: none)" },
  presence_penalty: { type: "float", description: "penalty for tokens already present" },
  frequency_penalty: { type: "float", description: "penalty proportional to a token's frequency" },
  stop: { type: "stringList", description: "a stop sequence; repeat the line for several" },
  // api.Runner: set when the model is loaded
  num_ctx: { type: "int", min: 0, minExclusive: true, description: "context window in tokens" },
  num_batch: { type: "int", min: 0, minExclusive: true, description: "prompt tokens processed per batch" },
  num_gpu: { type: "int", min: -1, description: "layers offloaded to the GPU (-1: automatic)" },
  main_gpu: { type: "int", min: 0, description: "the GPU that holds small tensors" },
  use_mmap: { type: "bool", description: "memory-map the model file" },
  num_thread: { type: "int", min: 0, description: "CPU threads (0: automatic)" },
  draft_num_predict: { type: "int", min: 0, description: "tokens the draft model proposes per step" },
};

/** Names Ollama accepts with "warning: parameter X is deprecated" and then ignores (parser.go). */
export const DEPRECATED_PARAMETERS: readonly string[] = [
  "penalize_newline",
  "low_vram",
  "f16_kv",
  "logits_all",
  "vocab_only",
  "use_mlock",
  "mirostat",
  "mirostat_tau",
  "mirostat_eta",
];

/** Names older Ollama releases knew and current ones reject as unknown; the hint says so. */
export const REMOVED_PARAMETERS: readonly string[] = [
  "numa",
  "tfs_z",
  "num_gqa",
  "rope_frequency_base",
  "rope_frequency_scale",
  "embedding_only",
];

export type ParameterValue = number | boolean | string[];

export type ParsedValue = { ok: true; value: number | boolean } | { ok: false; message: string };

/** Converts one PARAMETER value of a scalar type; range checks are separate (`checkRange`). */
export function parseScalar(type: Exclude<ParameterType, "stringList">, text: string): ParsedValue {
  switch (type) {
    case "int": {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, message: "an integer" };
      const big = BigInt(text);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return { ok: false, message: "an integer of at most 15 digits" };
      return { ok: true, value: Number(big) };
    }
    case "float": {
      const value = parseGoFloat(text);
      if (value === undefined) return { ok: false, message: "a number" };
      if (Math.abs(value) > FLOAT32_MAX && Number.isFinite(value)) return { ok: false, message: "a number within float32 range" };
      return { ok: true, value };
    }
    case "bool": {
      if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return { ok: true, value: true };
      if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return { ok: true, value: false };
      return { ok: false, message: "true or false" };
    }
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Go's ParseFloat syntax: decimal with exponent, hex float with `p` exponent, inf/infinity/nan. */
function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?\d+)$/.exec(text);
  if (hex && (hex[2] !== "" || hex[3] !== "")) {
    const intPart = hex[2]!.replace(/_/g, "");
    const frac = hex[3]!.replace(/_/g, "");
    const mantissa = parseInt(intPart + frac || "0", 16) / 16 ** frac.length;
    const v = mantissa * 2 ** Number(hex[4]);
    return hex[1] === "-" ? -v : v;
  }
  return undefined;
}

/** The range a value breaks, as words for a message ("at least 0", "between 0 and 1"), or undefined. */
export function checkRange(spec: ParameterSpec, value: number): string | undefined {
  if (!Number.isFinite(value)) return "a finite number";
  const { min, max, minExclusive } = spec;
  if (min !== undefined && max !== undefined && (value < min || value > max)) return `between ${min} and ${max}`;
  if (min !== undefined && (minExclusive ? value <= min : value < min)) return minExclusive ? `greater than ${min}` : `at least ${min}`;
  if (max !== undefined && value > max) return `at most ${max}`;
  return undefined;
}
