import { error, InputError } from "../diagnostics/index.js";
import { encodeFloats, GgmlType, gv, type GgufWriteInput } from "../gguf/index.js";
import { ORACLE_DEFAULT_EOS, ORACLE_DEFAULT_TEXT, oracleVocab, type OracleVocab } from "./oracleVocab.js";
import { oracleShape, type OracleLlamaSpec } from "./oracleLlama.js";
import { followSuccessors, type OracleContinuation } from "./oracleContinuation.js";
import { SPM_SPACE } from "./spmVocab.js";

/** What `testmodel://lora` makes the default oracle say: its own words, with "quick brown" and "lazy" swapped. */
export const LORA_DEFAULT_SAY = "The lazy fox jumps over the quick brown dog.";

/** What the adapter teaches the oracle: a second sentence made of the oracle's own words. */
export interface OracleLoraSpec {
  /**
   * The sentence the adapted oracle recites. Its words (split as the oracle splits
   * its text) must be distinct words of the oracle's text, e.g. "The lazy fox jumps
   * over the quick brown dog." for the default oracle.
   */
  text: string;
}

/**
 * The successor map of the oracle with the adapter applied: the oracle's own map,
 * except that every token that ends a word of `lora.text` (the whole word, or a
 * suffix of it) now leads to the word after it in `lora.text` (after its last word:
 * EOS when the oracle ends with EOS, else its first word). Words of the oracle that
 * `lora.text` leaves out keep their successors.
 */
export function oracleLoraNext(spec: OracleLlamaSpec, lora: OracleLoraSpec): { ov: OracleVocab; next: number[] } {
  const eos = spec.endWithEos ?? ORACLE_DEFAULT_EOS;
  const ov = oracleVocab(spec.text ?? ORACLE_DEFAULT_TEXT, eos);
  const second = oracleVocab(lora.text, eos).words;
  const bad = (m: string) => new InputError(error("MS3013", `LoRA text ${JSON.stringify(lora.text)}: ${m}`));
  for (const w of second) if (!ov.words.includes(w)) throw bad(`${JSON.stringify(w.replaceAll(SPM_SPACE, " "))} is not a word of the oracle's text`);
  const wordId = (w: string) => ov.index.ids.get(w)!;
  const after = (i: number) => (i + 1 < second.length ? wordId(second[i + 1]!) : eos ? ov.vocab.eos : wordId(second[0]!));
  const next = [...ov.next];
  ov.vocab.tokens.forEach((t, id) => {
    const i = second.findIndex((w) => w.endsWith(t.piece) && ov.next[id] === oracleAfter(ov, spec, w));
    if (i >= 0 && t.piece !== "") next[id] = after(i);
  });
  return { ov, next };
}

/** The word the unadapted oracle emits after the word `w` (a word of its text). */
function oracleAfter(ov: OracleVocab, spec: OracleLlamaSpec, w: string): number {
  const i = ov.words.indexOf(w);
  if (i + 1 < ov.words.length) return ov.index.ids.get(ov.words[i + 1]!)!;
  return (spec.endWithEos ?? ORACLE_DEFAULT_EOS) ? ov.vocab.eos : ov.index.ids.get(ov.words[0]!)!;
}

/**
 * A LoRA adapter GGUF for the oracle built from `spec` that changes its greedy
 * continuation to follow `lora.text` (see {@link oracleLoraNext}).
 *
 * llama.cpp's rules (llama-adapter.cpp): `general.type` = "adapter",
 * `general.architecture` equal to the model's, `adapter.type` = "lora",
 * `adapter.lora.alpha` (f32); tensors come in pairs `<name>.lora_a` with ggml dims
 * [n_in, r] and `<name>.lora_b` with [r, n_out], where `<name>` [n_in, n_out] is a
 * tensor of the base model; the adapted product is W·x + s·B·(A·x) with
 * s = scale·alpha/r (scale 1, as Ollama loads adapters).
 *
 * Construction: one rank per changed token t of the output matrix: row k of A is
 * e_t, column k of B is e_new(t) − e_old(t), and alpha = r, so s = 1 and the
 * adapted output matrix holds 1 at (new(t), t) and 0 at (old(t), t): the logit of
 * the new successor is sqrt(nEmbd) and every other is 0, as in the oracle.
 */
export function oracleLoraAdapter(spec: OracleLlamaSpec, lora: OracleLoraSpec): GgufWriteInput {
  const { ov, next } = oracleLoraNext(spec, lora);
  const shape = oracleShape(spec, ov);
  const changed = next.map((n, t) => [t, ov.next[t]!, n] as const).filter(([, old, n]) => old !== n);
  if (changed.length === 0) throw new InputError(error("MS3013", `LoRA text ${JSON.stringify(lora.text)} changes nothing`));
  const r = changed.length;
  const a = new Float32Array(shape.nEmbd * r);
  const b = new Float32Array(r * shape.vocabSize);
  changed.forEach(([t, old, n], k) => {
    a[k * shape.nEmbd + t] = 1;
    b[n * r + k] += 1;
    b[old * r + k] -= 1;
  });
  return {
    metadata: [
      ["general.architecture", gv.str("llama")],
      ["general.type", gv.str("adapter")],
      ["general.name", gv.str(`${spec.name ?? "oracle"}-lora`)],
      ["adapter.type", gv.str("lora")],
      ["adapter.lora.alpha", gv.f32(r)],
    ],
    tensors: [
      { name: "output.weight.lora_a", dims: [shape.nEmbd, r], type: GgmlType.F32, data: encodeFloats(a, GgmlType.F32) },
      { name: "output.weight.lora_b", dims: [r, shape.vocabSize], type: GgmlType.F32, data: encodeFloats(b, GgmlType.F32) },
    ],
  };
}

/** What the oracle with the adapter applied generates greedily after `prompt` (like {@link oracleContinuation}). */
export function oracleLoraContinuation(spec: OracleLlamaSpec, lora: OracleLoraSpec, prompt: string, nTokens: number): OracleContinuation {
  const { ov, next } = oracleLoraNext(spec, lora);
  return followSuccessors(ov, next, prompt, nTokens);
}
