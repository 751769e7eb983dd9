import { createHash } from "node:crypto";
import type { Lock } from "../../src/lock/lock.js";

/** A stable fake digest: sha256 of a label. */
export const d = (label: string) => `sha256:${createHash("sha256").update(label).digest("hex")}` as const;

export const ORACLE_KEY = "testmodel://oracle?text=The+quick+brown+fox+jumps+over+the+lazy+dog.&eos=false&layers=1&ff=256&ctx=2048&type=f32";
export const RANDOM_KEY = "testmodel://random?embd=256&layers=2&heads=4&kv=4&ff=512&vocab=512&ctx=2048&seed=0&type=f32";
export const LLAMA_KEY = "ollama://registry.ollama.ai/library/llama3:8b";
export const HF_KEY = "hf://TheBloke/Mistral-7B-Instruct-v0.2-GGUF/mistral-7b-instruct-v0.2.Q4_K_M.gguf@main";

/** One reference of every lockable kind, two models, three variants; built in a scrambled key order on purpose. */
export function sampleLock(): Lock {
  return {
    version: 1,
    models: {
      "json-extractor": { latest: { manifest: d("m/json/latest"), inputs: d("i/json/latest") } },
      "code-assistant": {
        q8_0: { inputs: d("i/code/q8_0"), manifest: d("m/code/q8_0") },
        latest: { inputs: d("i/code/latest"), manifest: d("m/code/latest") },
      },
    },
    references: {
      [RANDOM_KEY]: { size: 6_000_000, digest: d("b/random"), locator: RANDOM_KEY },
      [LLAMA_KEY]: { locator: `${LLAMA_KEY}@${d("manifest/llama3")}`, digest: d("b/llama3"), size: 4_661_211_808 },
      [HF_KEY]: { locator: `hf://TheBloke/Mistral-7B-Instruct-v0.2-GGUF/mistral-7b-instruct-v0.2.Q4_K_M.gguf@${"3a6fbf4a41a1d52e415a4958cde6856d34b2db93"}`, digest: d("b/mistral"), size: 4_368_438_944 },
      "https://example.com/models/tiny.gguf": { locator: "https://example.com/models/tiny.gguf", digest: d("b/tiny"), size: 1024 },
      "oci://ghcr.io/acme/models/base:v1": { locator: `oci://ghcr.io/acme/models/base:v1@${d("manifest/base")}`, digest: d("b/base"), size: 77 },
      "./weights/my model.gguf": { locator: "./weights/my model.gguf", digest: d("b/local"), size: 0 },
      [ORACLE_KEY]: { locator: ORACLE_KEY, digest: d("b/oracle"), size: 1_234_567 },
    },
  };
}

/** A copy with the key order of every map and entry reversed, so that insertion order cannot leak into output. */
export function reversed(lock: Lock): Lock {
  const rev = <V, W>(m: Record<string, V>, f: (v: V) => W) => Object.fromEntries(Object.entries(m).reverse().map(([k, v]) => [k, f(v)]));
  return {
    models: rev(lock.models, (vs) => rev(vs, (v) => ({ manifest: v.manifest, inputs: v.inputs }))),
    references: rev(lock.references, (r) => ({ size: r.size, locator: r.locator, digest: r.digest, ...(r.files ? { files: [...r.files].reverse().map((f) => ({ size: f.size, path: f.path, digest: f.digest })) } : {}) })),
    version: lock.version,
  };
}
