/**
 * The `rope_freqs.weight` tensor llama.cpp writes for Llama 3.1/3.2's "llama3"
 * rope scaling (conversion/llama.py LlamaModel.generate_extra_tensors), computed
 * in float32 as torch does there.
 */
import type { JsonObject } from "./json-file.js";

const f = Math.fround;

export function llama3RopeFactors(rope: JsonObject, dim: number): Float32Array {
  const base = typeof rope.rope_theta === "number" ? rope.rope_theta : 10000;
  const factor = typeof rope.factor === "number" ? rope.factor : 8;
  const low = typeof rope.low_freq_factor === "number" ? rope.low_freq_factor : 1;
  const high = typeof rope.high_freq_factor === "number" ? rope.high_freq_factor : 4;
  const oldCtx = typeof rope.original_max_position_embeddings === "number" ? rope.original_max_position_embeddings : 8192;
  const lowWavelen = oldCtx / low;
  const highWavelen = oldCtx / high;
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const freq = f(1 / f(f(base) ** f(f(2 * i) / f(dim))));
    const wavelen = f(f(2 * Math.PI) / freq);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = f(f(f(f(oldCtx) / wavelen) - f(low)) / f(high - low));
      out[i] = f(1 / f(f(f(1 - smooth) / f(factor)) + smooth));
    }
  }
  return out;
}
