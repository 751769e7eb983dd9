import { didYouMean } from "../diagnostics/suggest.js";
import { LORA_DEFAULT_SAY, oracleLoraNext } from "../testmodels/lora.js";
import { ORACLE_DEFAULT_EOS, ORACLE_DEFAULT_TEXT, oracleVocab } from "../testmodels/oracleVocab.js";
import type { Problems } from "./problems.js";
import type { LoraModelParams, OracleModelParams, RandomModelParams, TestModelReference } from "./reference-types.js";

type Spec = { kind: "int"; min: number; max: number } | { kind: "type" } | { kind: "bool" } | { kind: "text" };
const int = (min: number, max: number): Spec => ({ kind: "int", min, max });
const TYPE: Spec = { kind: "type" };

/** Parameters of each generator, in canonical order, with their ranges. */
const RANDOM_SPEC: Record<keyof RandomModelParams, Spec> = {
  embd: int(1, 16384),
  layers: int(1, 128),
  heads: int(1, 256),
  kv: int(1, 256),
  ff: int(1, 65536),
  vocab: int(260, 262144),
  ctx: int(1, 1 << 20),
  seed: int(0, 2 ** 32 - 1),
  type: TYPE,
};
const ORACLE_SPEC: Record<keyof OracleModelParams, Spec> = {
  text: { kind: "text" },
  eos: { kind: "bool" },
  layers: int(1, 128),
  ff: int(1, 65536),
  ctx: int(1, 1 << 20),
  type: TYPE,
};
const LORA_SPEC: Record<keyof LoraModelParams, Spec> = {
  text: { kind: "text" },
  eos: { kind: "bool" },
  say: { kind: "text" },
};
export const RANDOM_PARAM_KEYS = Object.keys(RANDOM_SPEC) as (keyof RandomModelParams)[];
export const ORACLE_PARAM_KEYS = Object.keys(ORACLE_SPEC) as (keyof OracleModelParams)[];
export const LORA_PARAM_KEYS = Object.keys(LORA_SPEC) as (keyof LoraModelParams)[];

/** Defaults; `kv` missing from the text defaults to `heads`. */
export const RANDOM_DEFAULTS: Readonly<RandomModelParams> = { embd: 256, layers: 2, heads: 4, kv: 4, ff: 512, vocab: 512, ctx: 2048, seed: 0, type: "f32" };
export const ORACLE_DEFAULTS: Readonly<OracleModelParams> = { text: ORACLE_DEFAULT_TEXT, eos: ORACLE_DEFAULT_EOS, layers: 1, ff: 256, ctx: 2048, type: "f32" };

/** The adapter's base is the default oracle, unless `text`/`eos` say otherwise. */
export const LORA_DEFAULTS: Readonly<LoraModelParams> = { text: ORACLE_DEFAULTS.text, eos: ORACLE_DEFAULTS.eos, say: LORA_DEFAULT_SAY };

const GENERATORS = ["oracle", "random", "lora"] as const;

/**
 * The part of `testmodel://…` after the scheme (the pin already split off):
 *
 *     testmodel = ( "oracle" / "random" / "lora" ) [ "?" params ]
 *     params    = key "=" value *( "&" key "=" value )     ; each key at most once
 *     random:  embd layers heads kv ff vocab ctx seed      ; decimal integers
 *              type = "f32" / "f16"
 *     oracle:  text (percent-encoded, "+" is a space), eos = true/false/1/0,
 *              layers ff ctx, type
 *     lora:    text, eos (those of the oracle it adapts), say (percent-encoded:
 *              what the adapted oracle recites, distinct words of `text`)
 *
 * Missing parameters take the defaults above. Shapes are checked as llama.cpp
 * would (embd a multiple of heads, heads of kv, an even head size), and the
 * oracle's text as its vocabulary builder would, so a bad model fails here, at
 * the FROM line, instead of in the build.
 */
export function parseTestModel(text: string, problems: Problems): TestModelReference | undefined {
  const q = text.indexOf("?");
  const generator = q < 0 ? text : text.slice(0, q);
  if (generator !== "oracle" && generator !== "random" && generator !== "lora") {
    return problems.error("MS4108", `unknown test model \`${generator}\``, 0, generator.length, didYouMean(generator, GENERATORS) ?? "known test models: oracle, random, lora");
  }
  const spec: Record<string, Spec> = generator === "random" ? RANDOM_SPEC : generator === "lora" ? LORA_SPEC : ORACLE_SPEC;
  const values: Record<string, number | string | boolean> = {};
  let ok = true;
  if (q >= 0 && q < text.length - 1) {
    let offset = q + 1;
    for (const pair of text.slice(q + 1).split("&")) {
      if (!parseParam(pair, spec, values, generator, problems.at(offset))) ok = false;
      offset += pair.length + 1;
    }
  }
  if (!ok) return undefined;
  if (generator === "random") {
    const p = { ...RANDOM_DEFAULTS, kv: values.heads ?? RANDOM_DEFAULTS.heads, ...values } as RandomModelParams;
    const shape = checkShape(p);
    if (shape) return problems.error("MS4110", `testmodel://random: ${shape}`, 0, text.length);
    return { kind: "testmodel", generator, params: ordered(p, RANDOM_PARAM_KEYS) };
  }
  if (generator === "lora") {
    const p = { ...LORA_DEFAULTS, ...values } as LoraModelParams;
    try {
      const { ov, next } = oracleLoraNext({ text: p.text, endWithEos: p.eos }, { text: p.say });
      if (next.every((n, t) => n === ov.next[t])) throw new Error("`say` recites what the oracle already does; the adapter would change nothing");
    } catch (e) {
      return problems.error("MS4110", `testmodel://lora: ${messageOf(e)}`, 0, text.length, "`say` must be distinct words of `text` (the oracle's sentence) that change what it recites");
    }
    return { kind: "testmodel", generator, params: ordered(p, LORA_PARAM_KEYS) };
  }
  const p = { ...ORACLE_DEFAULTS, ...values } as OracleModelParams;
  try {
    oracleVocab(p.text, p.eos);
  } catch (e) {
    return problems.error("MS4110", `testmodel://oracle: ${messageOf(e)}`, 0, text.length);
  }
  return { kind: "testmodel", generator, params: ordered(p, ORACLE_PARAM_KEYS) };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^MS\d{4}: /, "") : String(e);
}

function parseParam(pair: string, spec: Record<string, Spec>, into: Record<string, number | string | boolean>, generator: string, problems: Problems): boolean {
  const eq = pair.indexOf("=");
  const key = eq < 0 ? pair : pair.slice(0, eq);
  const raw = eq < 0 ? undefined : pair.slice(eq + 1);
  const known = Object.keys(spec);
  const s = Object.hasOwn(spec, key) ? spec[key] : undefined;
  if (s === undefined) {
    problems.error("MS4109", key === "" ? "empty test model parameter" : `unknown parameter \`${key}\` of testmodel://${generator}`, 0, key.length, didYouMean(key, known) ?? `known parameters: ${known.join(", ")}`);
    return false;
  }
  if (Object.hasOwn(into, key)) return !problems.error("MS4109", `parameter \`${key}\` given twice`, 0, pair.length);
  if (raw === undefined || raw === "") return !problems.error("MS4109", `parameter \`${key}\` has no value`, 0, pair.length, `write \`${key}=<value>\``);
  const at = (msg: string, hint?: string) => !problems.error("MS4109", `parameter \`${key}\`: ${msg}`, eq + 1, pair.length, hint);
  switch (s.kind) {
    case "int": {
      if (!/^[0-9]{1,10}$/.test(raw)) return at(`\`${raw}\` is not a whole number`);
      const n = Number(raw);
      if (n < s.min || n > s.max) return at(`${n} is out of range`, `use ${s.min} to ${s.max}`);
      into[key] = n;
      return true;
    }
    case "type":
      if (raw !== "f32" && raw !== "f16") return at(`\`${raw}\` is not a tensor type`, "use `f32` or `f16`");
      into[key] = raw;
      return true;
    case "bool":
      if (!["true", "false", "1", "0"].includes(raw)) return at(`\`${raw}\` is not a boolean`, "use `true` or `false`");
      into[key] = raw === "true" || raw === "1";
      return true;
    case "text": {
      let decoded: string;
      try {
        decoded = decodeURIComponent(raw.replaceAll("+", " "));
      } catch {
        return at("invalid percent-encoding");
      }
      if (decoded.length > 1000) return at("longer than 1000 characters");
      into[key] = decoded;
      return true;
    }
  }
}

/** Why llama.cpp would refuse the shape (the rules of checkLlamaShape), or undefined. */
function checkShape(p: RandomModelParams): string | undefined {
  if (p.embd % p.heads !== 0) return `embd ${p.embd} is not a multiple of heads ${p.heads}`;
  if (p.heads % p.kv !== 0) return `heads ${p.heads} is not a multiple of kv ${p.kv}`;
  if ((p.embd / p.heads) % 2 !== 0) return `head size ${p.embd / p.heads} (embd / heads) must be even`;
  return undefined;
}

function ordered<T extends object>(p: T, keys: readonly (keyof T)[]): T {
  return Object.fromEntries(keys.map((k) => [k, p[k]])) as T;
}

/** The canonical query string: every parameter, in the order of the tables above. */
export function formatTestModelParams(params: RandomModelParams | OracleModelParams | LoraModelParams, keys: readonly string[]): string {
  const p = params as unknown as Record<string, string | number | boolean>;
  return keys.map((k) => `${k}=${typeof p[k] === "string" ? encodeURIComponent(p[k]).replace(/%20/g, "+") : String(p[k])}`).join("&");
}
