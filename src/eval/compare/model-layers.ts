import { error } from "../../diagnostics/diagnostic.js";
import { InputError } from "../../diagnostics/errors.js";
import type { Lock } from "../../lock/lock.js";
import type { Project, ProjectModel } from "../../project/project.js";
import { formatReference } from "../../resolve/format-reference.js";
import type { Reference } from "../../resolve/reference-types.js";
import { LAYER_MEDIA_TYPES } from "../../store/media-types.js";
import type { Store } from "../../store/store.js";
import { storeName } from "../run-project-tests.js";

/** A GGUF blob in the store. */
export interface Weights {
  /** sha256:… of the blob. */
  digest: string;
  size: number;
  path: string;
}

/** The unquantized base of a model, and where it comes from. */
export interface BaseWeights extends Weights {
  /** The FROM reference in canonical form (`testmodel://…`, `./x.gguf`, …), or `model:tag` for a project model. */
  from: string;
}

/** One built variant of a model. */
export interface VariantWeights extends Weights {
  /** Its tag: the quantization type in lower case, or `latest` for a model without `quantize`. */
  tag: string;
  /** Its store name, `[namespace/]model:tag`, as `modelsmith test` and the runtime open it. */
  name: string;
}

const notBuilt = (model: string, why: string) => new InputError(error("MS6018", `cannot compare \`${model}\`: ${why}`, { hint: "build it first with `modelsmith build`" }));

/**
 * The weights a model's variants were quantized from: the model layer of
 * its base before quantization, as the build's plan reads it.
 *
 * - FROM a pinned reference (a file, a registry, hf://, https://,
 *   testmodel://): the blob models.lock records for the reference's
 *   canonical text; the build fetched it into the store to quantize it.
 * - FROM another project model (`other` or `other:tag`): the model layer of
 *   that variant as built (its manifest in the store).
 *
 * InputError MS6018 when the lock does not know the reference or the store
 * does not hold the blob (the model was not built, or `prune` removed it).
 */
export async function baseWeights(project: Project, model: ProjectModel, base: Reference, lock: Lock | undefined, store: Store): Promise<BaseWeights> {
  if (base.kind === "project") {
    const dep = project.models.find((m) => m.name === base.model);
    const tag = base.tag ?? "latest";
    if (!dep) throw notBuilt(model.name, `its base \`${base.model}\` is not a model of this project`);
    const layer = await modelLayer(store, storeName(project, { model: dep, tag }), model.name);
    return { ...layer, from: `${base.model}:${tag}` };
  }
  const from = formatReference(base);
  const locked = lock && Object.hasOwn(lock.references, from) ? lock.references[from] : undefined;
  if (!locked) throw notBuilt(model.name, `models.lock does not pin its base ${from}`);
  if (!(await store.hasBlob(locked.digest))) throw notBuilt(model.name, `the store does not hold its base ${from} (${locked.digest})`);
  return { digest: locked.digest, size: locked.size, path: store.blobPath(locked.digest), from };
}

/**
 * A model's variants, in `quantize` order: one per type, with the tag the
 * build gives it (`quantize`: the build's loaded types, the type's name in
 * lower case); a model without `quantize` has one, `latest`, the base itself.
 * InputError MS6018 for a variant not in the store.
 */
export async function variantWeights(project: Project, model: ProjectModel, quantize: readonly { tag: string }[], store: Store): Promise<VariantWeights[]> {
  const tags = quantize.length === 0 ? ["latest"] : [...new Set(quantize.map((q) => q.tag))];
  const out: VariantWeights[] = [];
  for (const tag of tags) {
    const name = storeName(project, { model, tag });
    out.push({ tag, name, ...(await modelLayer(store, name, model.name)) });
  }
  return out;
}

async function modelLayer(store: Store, name: string, model: string): Promise<Weights> {
  let layers;
  try {
    layers = (await store.readManifest(name)).manifest.layers;
  } catch (e) {
    if (e instanceof InputError) throw notBuilt(model, `${name} is not in the store`);
    throw e;
  }
  const layer = layers.find((l) => l.mediaType === LAYER_MEDIA_TYPES.model);
  if (!layer) throw notBuilt(model, `${name} has no model layer`);
  return { digest: layer.digest, size: layer.size, path: store.blobPath(layer.digest) };
}
