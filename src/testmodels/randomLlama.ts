import { error, InputError } from "../diagnostics/index.js";
import { encodeFloats, GgmlType, type GgufWriteInput, type GgufTensorInput } from "../gguf/index.js";
import { TEST_CHAT_TEMPLATE } from "./chatTemplate.js";
import { checkLlamaShape, llamaMetadata, llamaTensorSlots, type LlamaShape, type LlamaTensorSlot } from "./llamaShape.js";
import { Xoshiro128 } from "./prng.js";
import { SPM_FIRST_NORMAL_TOKEN, SPM_SPACE, spmTokenizerMetadata, spmVocab, TokenType, type SpmToken } from "./spmVocab.js";

export type TestTensorType = "F32" | "F16";

export interface RandomLlamaSpec extends LlamaShape {
  seed: number;
  /** Type of the 2-D weights; norms are always F32. */
  tensorType: TestTensorType;
  /** general.name */
  name: string;
}

/** Elements per streamed chunk: 256 KiB of F32. */
const CHUNK = 1 << 16;

/**
 * A llama-architecture model with random weights, as GGUF writer input whose tensor
 * data is generated lazily, chunk by chunk, so any size streams in constant memory.
 *
 * Weights: token embeddings uniform in [-1, 1); every matrix uniform in
 * [-1/sqrt(n_in), 1/sqrt(n_in)) where n_in = dims[0]; norms all 1. Tensor i draws
 * from xoshiro128** stream i of `seed`, so the bytes depend on nothing but the spec.
 *
 * Tokenizer: SentencePiece ("llama") with `<unk>`, `<s>`, `</s>`, 256 byte tokens,
 * then `vocabSize - 259` pieces enumerating letter strings (`▁a`, `a`, `▁b`, ...).
 */
export function randomLlama(spec: RandomLlamaSpec): GgufWriteInput {
  checkLlamaShape(spec);
  if (spec.vocabSize < SPM_FIRST_NORMAL_TOKEN + 1) {
    throw new InputError(error("MS3013", `llama shape: vocabSize must be at least ${SPM_FIRST_NORMAL_TOKEN + 1}, got ${spec.vocabSize}`));
  }
  const weightType = spec.tensorType === "F16" ? GgmlType.F16 : GgmlType.F32;
  const vocab = spmVocab(letterPieces(spec.vocabSize - SPM_FIRST_NORMAL_TOKEN));
  const tensors: GgufTensorInput[] = llamaTensorSlots(spec).map((slot, index) => {
    const type = slot.role === "norm" ? GgmlType.F32 : weightType;
    return { name: slot.name, dims: slot.dims, type, data: () => randomValues(slot, type, spec.seed, index) };
  });
  return {
    metadata: [...llamaMetadata(spec.name, spec.tensorType === "F16" ? 1 : 0, spec), ...spmTokenizerMetadata(vocab, TEST_CHAT_TEMPLATE)],
    tensors,
  };
}

function* randomValues(slot: LlamaTensorSlot, type: number, seed: number, stream: number): Generator<Uint8Array> {
  const total = slot.dims.reduce((a, b) => a * b, 1);
  if (slot.role === "norm") {
    yield encodeFloats(new Float32Array(total).fill(1), type);
    return;
  }
  const scale = slot.role === "embedding" ? 1 : 1 / Math.sqrt(slot.dims[0]);
  const rng = new Xoshiro128(seed, stream);
  const buf = new Float32Array(CHUNK);
  for (let done = 0; done < total; done += CHUNK) {
    const n = Math.min(CHUNK, total - done);
    yield encodeFloats(rng.fillUniform(n === CHUNK ? buf : buf.subarray(0, n), scale), type);
  }
}

/** `count` distinct pieces: "▁a", "a", "▁b", "b", ..., "▁z", "z", "▁aa", "aa", ... with falling scores. */
export function letterPieces(count: number): SpmToken[] {
  const out: SpmToken[] = [];
  for (let i = 0; i < count; i++) {
    const word = letters(i >> 1);
    out.push({ piece: i % 2 === 0 ? SPM_SPACE + word : word, score: -i, type: TokenType.NORMAL });
  }
  return out;
}

/** Bijective base-26: 0 "a", 25 "z", 26 "aa", ... */
function letters(n: number): string {
  let s = "";
  for (let k = n + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return s;
}
