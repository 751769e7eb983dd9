import path from "node:path";
import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import { openPeftAdapter, PEFT_INPUT_FILES } from "../../convert/peft-adapter.js";
import { digestOf } from "../../lock/canonical-json.js";
import { digestFile } from "../../store/hash-file.js";
import { StatCache } from "../../store/stat-cache.js";
import { formatReference } from "../format-reference.js";
import type { FileReference } from "../reference-types.js";
import { localPath, pinMismatch } from "./file-source.js";
import type { Pin, SourceContext } from "./pin.js";

/**
 * A local PEFT LoRA adapter folder (`ADAPTER ./my-lora`, see
 * src/convert/peft-adapter.ts). It is opened and checked here, without the
 * base (config, pairs, dtypes: exit 2 at the ADAPTER line). Its pin's digest
 * is that of the list of adapter_config.json and adapter_model.safetensors
 * with their sha256 and size, hashed through the store's stat cache, as a
 * checkpoint folder's; `peft` carries the folder and the list. The build
 * converts it against its base in a convert step (plan.ts); nothing is put
 * in the store until then.
 */
export async function resolvePeft(ref: FileReference, ctx: SourceContext): Promise<Pin> {
  const dir = localPath(ref.path, ctx);
  const adapter = await openPeftAdapter(dir, ref.path, ctx.at);
  await adapter.close();
  const cache = new StatCache(ctx.store.layout.statCacheFile);
  const files: { name: string; digest: `sha256:${string}`; size: number }[] = [];
  for (const name of PEFT_INPUT_FILES) {
    const d = await digestFile(path.join(dir, name), cache).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new InputError(error("MS3320", `ADAPTER ${ref.path}: ${name} is missing`, { ...ctx.at, hint: "a PEFT adapter folder has adapter_config.json and adapter_model.safetensors" }));
      throw err;
    });
    files.push({ name, digest: d.digest, size: d.size });
  }
  const digest = digestOf({ lora: files });
  if (ref.digest !== undefined && ref.digest !== digest) throw pinMismatch(ref.path, ref.digest, digest, ctx);
  return { source: formatReference(ref), locator: ref.path, digest, size: files.reduce((n, f) => n + f.size, 0), peft: { dir, files } };
}
