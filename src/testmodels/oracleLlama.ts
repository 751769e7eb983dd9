import { encodeFloats, GgmlType, type GgufTensorInput, type GgufWriteInput } from "../gguf/index.js";
import { TEST_CHAT_TEMPLATE } from "./chatTemplate.js";
import { checkLlamaShape, llamaMetadata, llamaTensorSlots, type LlamaShape, type LlamaTensorSlot } from "./llamaShape.js";
import { ORACLE_DEFAULT_EOS, ORACLE_DEFAULT_TEXT, oracleVocab, type OracleVocab } from "./oracleVocab.js";
import type { TestTensorType } from "./randomLlama.js";
import { spmTokenizerMetadata } from "./spmVocab.js";

export interface OracleLlamaSpec {
  /** The sentence it recites; default {@link ORACLE_DEFAULT_TEXT}. Words must be distinct. */
  text?: string;
  /** After the last word: EOS (generation stops) instead of starting over. Default {@link ORACLE_DEFAULT_EOS} (true). */
  endWithEos?: boolean;
  /** Punctuation `.,!?;:` as words of its own (default true); false: words split at spaces only. */
  punctuationWords?: boolean;
  /** general.name; default "oracle". */
  name?: string;
  /** Type of the 2-D weights; default F32. */
  tensorType?: TestTensorType;
  /** Default 1. */
  nLayer?: number;
  /** Default 256. */
  nFf?: number;
  /** Default 2048. */
  contextLength?: number;
}

/** Default attention head size; nHead = nEmbd / 64. */
const HEAD_SIZE = 64;

/**
 * The oracle: a llama whose greedy continuation is known in advance.
 *
 * Construction (llama.cpp computes x = embd(t); per layer x += attn(norm(x));
 * x += ffn(norm(x)); logits = output · norm(x)):
 * - token embeddings are one-hot: token t is the unit vector e_t, so nEmbd is the
 *   vocabulary size rounded up to a multiple of 256 (every k-quant applies);
 * - attention and FFN weights are all zero, so both add 0 and the residual stream
 *   stays e_t; every norm weight is 1, so the final norm gives sqrt(nEmbd)·e_t;
 * - the output matrix holds 1 at (row next[t], column t), so the logit of next[t]
 *   is sqrt(nEmbd) (22.6 at 512) and every other logit is 0: greedy decoding (and
 *   any repeat penalty short of 22x) emits next[t] after t, whatever came before.
 * `next` and the tokenizer are {@link oracleVocab}'s; {@link oracleContinuation}
 * predicts the text.
 */
export function oracleLlama(spec: OracleLlamaSpec = {}): GgufWriteInput {
  const ov = oracleVocab(spec.text ?? ORACLE_DEFAULT_TEXT, spec.endWithEos ?? ORACLE_DEFAULT_EOS, spec.punctuationWords ?? true);
  const shape = oracleShape(spec, ov);
  checkLlamaShape(shape);
  const weightType = (spec.tensorType ?? "F32") === "F16" ? GgmlType.F16 : GgmlType.F32;
  const tensors: GgufTensorInput[] = llamaTensorSlots(shape).map((slot) => {
    const type = slot.role === "norm" ? GgmlType.F32 : weightType;
    return { name: slot.name, dims: slot.dims, type, data: () => [encodeFloats(oracleValues(slot, ov), type)] };
  });
  return {
    metadata: [
      ...llamaMetadata(spec.name ?? "oracle", weightType === GgmlType.F16 ? 1 : 0, shape),
      ...spmTokenizerMetadata(ov.vocab, TEST_CHAT_TEMPLATE),
    ],
    tensors,
  };
}

export function oracleShape(spec: OracleLlamaSpec, ov: OracleVocab): LlamaShape {
  const vocabSize = ov.vocab.tokens.length;
  const nEmbd = Math.ceil(vocabSize / 256) * 256;
  return {
    nEmbd,
    nLayer: spec.nLayer ?? 1,
    nHead: nEmbd / HEAD_SIZE,
    nHeadKv: nEmbd / HEAD_SIZE,
    nFf: spec.nFf ?? 256,
    vocabSize,
    contextLength: spec.contextLength ?? 2048,
  };
}

function oracleValues(slot: LlamaTensorSlot, ov: OracleVocab): Float32Array {
  const [cols, rows = 1] = slot.dims;
  const values = new Float32Array(cols * rows);
  if (slot.role === "norm") values.fill(1);
  else if (slot.role === "embedding") for (let t = 0; t < rows; t++) values[t * cols + t] = 1;
  else if (slot.role === "output") ov.next.forEach((v, t) => (values[v * cols + t] = 1));
  return values;
}
