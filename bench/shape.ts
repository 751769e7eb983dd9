import type { LlamaShape } from "../src/testmodels/llamaShape.js";

/**
 * A random-llama shape whose F16 GGUF is `mib` MiB or a little more (up to one layer): every dimension a
 * multiple of 256 (so Q4_K_M applies to every matrix), a small vocabulary so
 * the size is mostly layers. 256 MiB and up: embd 2048, ff 5632 (about 98 MiB
 * a layer); below: embd 512, ff 1536 (about 6.5 MiB a layer).
 */
export function benchShape(mib: number): LlamaShape {
  const big = mib >= 256;
  const nEmbd = big ? 2048 : 512;
  const nFf = big ? 5632 : 1536;
  const vocabSize = 1024;
  const perLayer = 2 * (4 * nEmbd * nEmbd + 3 * nEmbd * nFf);
  const embeddings = 2 * 2 * vocabSize * nEmbd;
  const nLayer = Math.max(1, Math.ceil((mib * 2 ** 20 - embeddings) / perLayer));
  return { nEmbd, nLayer, nHead: nEmbd / 128, nHeadKv: nEmbd / 128, nFf, vocabSize, contextLength: 2048 };
}
