import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { readGgufFile, type GgufFile } from "../gguf/index.js";
import { formatReference } from "../resolve/format-reference.js";
import type { Pin } from "../resolve/sources/pin.js";
import type { Store } from "../store/store.js";
import { adapterProblems } from "../check/adapter-fit.js";
import type { LoadedModel } from "./load.js";

/**
 * Checks every ADAPTER against its model's weights before anything is built, so
 * that an adapter llama.cpp would refuse is an input error (exit 2) at its
 * ADAPTER line instead of a load failure (MS8004) at `run`. The weights are the
 * root of the FROM chain (a project model's weights are its base's, quantized:
 * the same names and shapes). Reads GGUF headers from the store; a blob not
 * there (nothing of the plan needs it) is not checked. Throws one InputError
 * with every problem.
 */
export async function checkAdapters(models: readonly LoadedModel[], pins: ReadonlyMap<string, Pin>, store: Store): Promise<void> {
  const byName = new Map(models.map((m) => [m.name, m]));
  const headers = new Map<string, Promise<GgufFile | undefined>>();
  const header = (digest: string) => {
    if (!headers.has(digest)) headers.set(digest, store.hasBlob(digest).then((has) => (has ? readGgufFile(store.blobPath(digest)) : undefined)));
    return headers.get(digest)!;
  };
  const problems: Diagnostic[] = [];
  for (const m of models) {
    if (m.adapters.length === 0) continue;
    const weights = rootPin(m, byName, pins);
    const base = weights ? await header(weights.digest) : undefined;
    if (!base) continue;
    for (const a of m.adapters) {
      const pin = pins.get(formatReference(a.ref));
      // A PEFT folder is checked against the base by its convert step (src/convert/lora.ts).
      const adapter = pin && !pin.peft ? await header(pin.digest) : undefined;
      if (!adapter) continue;
      for (const p of adapterProblems(adapter, base)) problems.push(error(p.code, `ADAPTER ${a.text}: ${p.message}`, { ...a.at, ...(p.hint ? { hint: p.hint } : {}) }));
    }
  }
  if (problems.length) throw new InputError(problems);
}

/** The pin of the weights at the root of `m`'s FROM chain (cycles were refused by the plan). */
function rootPin(m: LoadedModel, byName: ReadonlyMap<string, LoadedModel>, pins: ReadonlyMap<string, Pin>): Pin | undefined {
  let cur: LoadedModel | undefined = m;
  for (let i = 0; cur && i <= byName.size; i++) {
    if (cur.base.kind !== "project") return pins.get(formatReference(cur.base));
    cur = byName.get(cur.base.model);
  }
  return undefined;
}
