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
}

/**
 * The project's models as graders and embedders, each loaded on first use and
 * kept until `close`. A grader answers one chat at a time, with its
 * Modelfile's parameters (no option is forced: give a judge
 * `PARAMETER temperature 0` for verdicts that repeat).
 */
export function projectGradingModels(o: GradingModelsOptions): GradingModels & { close(): Promise<void> } {
  const graders = new Map<string, ReturnType<OpenGrader>>();
  const embedders = new Map<string, ReturnType<OpenEmbedder>>();
  const queues = new Map<string, Promise<unknown>>();
  const once = <T>(cache: Map<string, Promise<T>>, name: string, open: () => Promise<T>): Promise<T> => {
    let p = cache.get(name);
    if (!p) cache.set(name, (p = open()));
    return p;
  };
  return {
    async chat(model: string, messages: EvalChatMessage[]): Promise<string> {
      const name = o.storeName(model);
      const grader = await once(graders, name, () => o.openGrader(o.storeRoot, name, { parallel: 1 }));
      const run = (queues.get(name) ?? Promise.resolve()).then(() => grader.generate({ messages }));
      queues.set(name, run.catch(() => undefined));
      return (await run).text;
    },
    async embed(model: string | undefined, text: string): Promise<number[]> {
      const name = model === undefined ? o.underTest : o.storeName(model);
      const embedder = await once(embedders, name, () => o.openEmbedder(o.storeRoot, name));
      return embedder.embed(text);
    },
    async close(): Promise<void> {
      const all = [...graders.values(), ...embedders.values()];
      await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
    },
  };
}
