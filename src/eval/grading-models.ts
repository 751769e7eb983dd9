import { embeddingCacheKey, graderCacheKey, type EvalCache } from "./cache.js";
import type { GradingModels } from "./graders.js";
import type { EvalChatMessage, EvalModel } from "./model.js";

/** Opens a built model by store name for chat (the runtime's `openModel`). */
export type OpenGrader = (storeRoot: string, name: string, options: { parallel: number }) => Promise<EvalModel & { close(): Promise<void> }>;
/** Opens a built model by store name for embeddings (the runtime's `openEmbedder`). */
export type OpenEmbedder = (storeRoot: string, name: string) => Promise<{ embed(text: string): Promise<number[]>; close(): Promise<void> }>;

export interface GradingModelsOptions {
  storeRoot: string;
  /** The store name of a project model (its first variant, as built). */
  storeName: (projectModel: string) => string;
  /** The store name of the model under test: `similar` without `provider` embeds with it. */
  underTest: string;
  openGrader: OpenGrader;
  openEmbedder: OpenEmbedder;
  /** Where graders' answers are cached (with `describe`): an unchanged grader, grading prompt and output reuse the answer without loading the grader. */
  cache?: EvalCache;
  /** The grader's manifest digest and backend without loading it (the runtime's `describeModel`). */
  describe?: (storeRoot: string, name: string) => Promise<{ manifestDigest: string; backend: string }>;
  /** Skip reading cached answers (`--no-cache`); answers are still written. */
  refresh?: boolean;
}

/**
 * The project's models as graders and embedders, each loaded on first use and
 * kept until `close`. A grader answers one chat at a time, with its
 * Modelfile's parameters (no option is forced: give a judge
 * `PARAMETER temperature 0` for verdicts that repeat). With `cache` and
 * `describe`, answers are cached as outputs are: under the grader's digest and
 * the grading chat, so a grader whose every answer is known is never loaded.
 */
export function projectGradingModels(o: GradingModelsOptions): GradingModels & { close(): Promise<void> } {
  const graders = new Map<string, ReturnType<OpenGrader>>();
  const embedders = new Map<string, ReturnType<OpenEmbedder>>();
  const queues = new Map<string, Promise<unknown>>();
  const identities = new Map<string, Promise<{ manifestDigest: string; backend: string }>>();
  const once = <T>(cache: Map<string, Promise<T>>, name: string, open: () => Promise<T>): Promise<T> => {
    let p = cache.get(name);
    if (!p) cache.set(name, (p = open()));
    return p;
  };
  return {
    async chat(model: string, messages: EvalChatMessage[], slot = 0): Promise<{ text: string; cached: boolean }> {
      const name = o.storeName(model);
      const ask = async () => {
        const grader = await once(graders, name, () => o.openGrader(o.storeRoot, name, { parallel: 1 }));
        const run = (queues.get(name) ?? Promise.resolve()).then(() => grader.generate({ messages }));
        queues.set(name, run.catch(() => undefined));
        return (await run).text;
      };
      const { cache, describe } = o;
      if (!cache || !describe) return { text: await ask(), cached: false };
      const id = await once(identities, name, () => describe(o.storeRoot, name));
      const key = graderCacheKey({ manifestDigest: id.manifestDigest, backend: id.backend, messages, slot });
      const hit = o.refresh ? undefined : await cache.getAnswer(key);
      if (hit !== undefined) return { text: hit, cached: true };
      const text = await ask();
      await cache.putAnswer(key, text);
      return { text, cached: false };
    },
    async embed(model: string | undefined, text: string): Promise<number[]> {
      const name = model === undefined ? o.underTest : o.storeName(model);
      const compute = async () => (await once(embedders, name, () => o.openEmbedder(o.storeRoot, name))).embed(text);
      const { cache, describe } = o;
      if (!cache || !describe) return compute();
      const id = await once(identities, name, () => describe(o.storeRoot, name));
      const key = embeddingCacheKey({ manifestDigest: id.manifestDigest, backend: id.backend, text });
      const hit = o.refresh ? undefined : await cache.getVector(key);
      if (hit !== undefined) return hit;
      const vector = await compute();
      await cache.putVector(key, vector);
      return vector;
    },
    async close(): Promise<void> {
      const all = [...graders.values(), ...embedders.values()];
      await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
    },
  };
}
