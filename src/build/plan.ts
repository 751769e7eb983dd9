import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { OLLAMA_TEMPLATES_COMMIT } from "../templates/index.js";
import { digestOf } from "../lock/canonical-json.js";
import { parseReference } from "../resolve/reference.js";
import type { Pin } from "../resolve/sources/pin.js";
import type { Sha256Digest } from "../resolve/reference-types.js";
import type { Layer } from "../store/manifest.js";
import { LAYER_MEDIA_TYPES } from "../store/media-types.js";
import { displayShortest, DEFAULT_HOST, type ModelName } from "../store/name.js";
import type { OwnLayerDefs } from "./own-layers.js";
import { CONVERTER_VERSION, type ConvertOutType } from "../convert/version.js";
import { LORA_CONVERTER_VERSION, SPLIT_JOIN_VERSION } from "../convert/version.js";
import path from "node:path";

/** Bumped when the meaning of a step (what the executor makes of the same inputs) changes. */
export const BUILD_FORMAT = 2;

/** The tag of a model's default variant. */
export const DEFAULT_TAG = "latest";

export interface PlanModel {
  name: string;
  /** Quantization types in order: `tag` is the type as the table spells it, in lower case; `type` its canonical name. Empty: the base weights as they are. */
  quantize: { tag: string; type: string }[];
  /** Extra tags of the default variant (`tags:` in modelsmith.yaml). */
  tags: string[];
  /** A project base may be pinned (`chat@sha256:…`): the manifest it builds must have that digest. */
  base: { kind: "pin"; pin: Pin } | { kind: "project"; model: string; tag?: string; digest?: Sha256Digest };
  own: OwnLayerDefs;
  /** Output type of the convert step when the base is a Hugging Face checkpoint (`convert:` in modelsmith.yaml); default F16. */
  convert?: ConvertOutType;
  /** Type of the PEFT adapters' tensors (`convert:` when written); default F32, convert_lora_to_gguf.py's `--outtype`. */
  adapterConvert?: ConvertOutType;
  /** Where FROM is written, for errors about the base. */
  at: { file?: string; range?: SourceRange };
  /**
   * ADAPTER lines naming a PEFT LoRA folder: `own.adapters[index]` is made by
   * a convert step from the folder (pinned as `digest`) and the root base of
   * the FROM chain (whose GGUF gives the architecture and shapes).
   */
  loras?: { index: number; dir: string; digest: Sha256Digest; shown: string; at: { file?: string; range?: SourceRange } }[];
}

export interface PlanInput {
  models: PlanModel[];
  /** Namespace of the built names (`defaults.namespace`, default `library`). */
  namespace: string;
  /** Build only these models (and what they depend on); default all. */
  only?: string[];
}

/** A blob a step reads: a pinned base, or the model layer of what another step made. */
export type BlobInput = { kind: "pin"; digest: Sha256Digest; size: number; source: string } | { kind: "model-of"; step: string };

export interface QuantizeStep {
  kind: "quantize";
  id: string;
  key: Sha256Digest;
  model: string;
  /** Canonical quantization type name. */
  type: string;
  input: BlobInput;
  deps: string[];
}

export interface AssembleStep {
  kind: "assemble";
  id: string;
  key: Sha256Digest;
  model: string;
  /** Where FROM is written. */
  at: PlanModel["at"];
  /** Every name the manifest is written under. */
  names: ModelName[];
  tags: string[];
  modelLayer: BlobInput;
  /** The project model step whose layers this one inherits (FROM another project model), and the manifest digest FROM pins it to. */
  base?: { step: string; from: string; digest?: Sha256Digest };
  /**
   * The layers of a pinned registry base (FROM `llama3:8b`, `oci://…`), in the
   * base manifest's order with its model layer first, and the name written as
   * their `from`: this step inherits them as it would a project base's.
   */
  inherit?: { layers: Layer[]; from: string };
  own: OwnLayerDefs;
  deps: string[];
}

/** Converts a Hugging Face checkpoint folder to a GGUF blob (src/convert/). */
export interface ConvertStep {
  kind: "convert";
  id: string;
  key: Sha256Digest;
  model: string;
  /** Absolute folder; not part of the key (the files' digests are). */
  dir: string;
  outType: ConvertOutType;
  deps: string[];
  /** A PEFT LoRA adapter folder (`dir`), converted for this base GGUF; `shown` and `at` are its ADAPTER line's. */
  lora?: { base: BlobInput; shown: string; at: { file?: string; range?: SourceRange } };
  /** A split GGUF set: its parts (absolute paths, in order) are joined into one GGUF; `outType` is then not used (the tensors are copied). */
  split?: { parts: string[]; shown: string; at: { file?: string; range?: SourceRange } };
}

export type Step = ConvertStep | QuantizeStep | AssembleStep;

export interface PlannedVariant {
  model: string;
  tag: string;
  /** The assemble step that makes it. */
  step: string;
  /** Its cache key: the digest of every input (models.lock `inputs`). */
  key: Sha256Digest;
}

export interface Plan {
  /** Dependencies before dependents; steps of one model together, models in project order where dependencies allow. */
  steps: Step[];
  variants: PlannedVariant[];
}

/**
 * The build graph of a project, pure: no disk, no network. Each model gives,
 * per `quantize` type, a quantize step (shared by types with the same
 * canonical name) and an assemble step tagged with the type in lower case;
 * the first one is also `latest`. No `quantize`: one assemble step, `latest`.
 * A model FROM another project model depends on that model's variant (its
 * default one unless FROM names a tag): it inherits that manifest's layers,
 * and quantizes its model layer when it has `quantize` types of its own.
 *
 * A step's key is digestOf its own definition plus its inputs' keys (a pinned
 * blob's key is its digest), so a key changes exactly when something that
 * goes into the step's output changes, and never because of a name or path.
 *
 * Problems (a dependency cycle, MS5201; a variant that does not exist,
 * MS5206) come back as diagnostics at the FROM line, every one of them.
 */
export function planBuild(input: PlanInput): { plan?: Plan; diagnostics: Diagnostic[] } {
  const byName = new Map(input.models.map((m) => [m.name, m]));
  const diagnostics: Diagnostic[] = [];
  const steps: Step[] = [];
  const variants: PlannedVariant[] = [];
  const done = new Map<string, Map<string, AssembleStep>>();
  const failed = new Set<string>();
  const visiting: string[] = [];
  /** Each model's weights at the root of its FROM chain (what an adapter is converted for) and that blob's key. */
  const roots = new Map<string, { input: BlobInput; key: string }>();

  const visit = (m: PlanModel): Map<string, AssembleStep> | undefined => {
    const have = done.get(m.name);
    if (have) return have;
    if (failed.has(m.name)) return undefined;
    const at = visiting.indexOf(m.name);
    if (at >= 0) {
      const cycle = [...visiting.slice(at), m.name];
      const first = byName.get(cycle[0]!)!;
      diagnostics.push(error("MS5201", `build dependency cycle: ${cycle.join(" -> ")}`, { ...first.at, hint: "a model cannot be built from itself; point one FROM of the cycle at a base model" }));
      for (const n of cycle) failed.add(n);
      return undefined;
    }
    visiting.push(m.name);
    const made = planModel(m);
    visiting.pop();
    if (made) done.set(m.name, made);
    else failed.add(m.name);
    return made;
  };

  const planModel = (m: PlanModel): Map<string, AssembleStep> | undefined => {
    let source: BlobInput;
    let inputKey: string;
    let base: { step: AssembleStep; from: string; digest?: Sha256Digest } | undefined;
    let inherit: AssembleStep["inherit"];
    if (m.base.kind === "pin" && m.base.pin.checkpoint) {
      // A checkpoint folder: a convert step whose key is the files' digests, the converter's version and the output type.
      const pin = m.base.pin;
      const outType = m.convert ?? "F16";
      const key = digestOf({ v: BUILD_FORMAT, op: "convert", converter: CONVERTER_VERSION, outType, input: pin.digest });
      const id = `${m.name}@convert-${outType.toLowerCase()}`;
      steps.push({ kind: "convert", id, key, model: m.name, dir: pin.checkpoint!.dir, outType, deps: [] });
      source = { kind: "model-of", step: id };
      inputKey = key;
    } else if (m.base.kind === "pin" && m.base.pin.split) {
      // A split GGUF set: a convert step that joins the parts (src/gguf/split.ts), keyed by the parts' digests.
      const pin = m.base.pin;
      const key = digestOf({ v: BUILD_FORMAT, op: "join-split", joiner: SPLIT_JOIN_VERSION, input: pin.digest });
      const id = `${m.name}@join-split`;
      const parts = pin.split!.parts.map((p) => p.path);
      steps.push({ kind: "convert", id, key, model: m.name, dir: parts.length ? path.dirname(parts[0]!) : "", outType: "F16", deps: [], split: { parts, shown: pin.locator, at: m.at } });
      source = { kind: "model-of", step: id };
      inputKey = key;
    } else if (m.base.kind === "pin") {
      const pin = m.base.pin;
      source = { kind: "pin", digest: pin.digest, size: pin.size, source: pin.source };
      inputKey = pin.digest;
      if (pin.layers?.length) {
        const model: Layer = { mediaType: LAYER_MEDIA_TYPES.model, digest: pin.digest, size: pin.size };
        inherit = { layers: [model, ...pin.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))], from: registryFrom(pin.source) };
      }
    } else {
      const dep = byName.get(m.base.model);
      const depVariants = dep ? visit(dep) : undefined;
      if (!depVariants) return undefined;
      const tag = m.base.tag ?? DEFAULT_TAG;
      const step = depVariants.get(tag);
      if (!step) {
        diagnostics.push(
          error("MS5206", `model \`${m.base.model}\` has no variant \`${tag}\``, { ...m.at, hint: `its variants: ${[...depVariants.keys()].sort().join(", ")}` }),
        );
        return undefined;
      }
      base = { step, from: displayShortest(step.names[step.tags.indexOf(tag)]!), ...(m.base.digest ? { digest: m.base.digest } : {}) };
      source = { kind: "model-of", step: step.id };
      inputKey = step.key;
    }
    const root = base ? roots.get(base.step.model)! : { input: source, key: inputKey };
    roots.set(m.name, root);
    const own = planLoras(m, root);
    const name = (tag: string): ModelName => ({ host: DEFAULT_HOST, namespace: input.namespace, model: m.name, tag });
    const made = new Map<string, AssembleStep>();
    const quantized = new Map<string, QuantizeStep>();
    const assemble = (tags: string[], modelLayer: BlobInput, layerKey: string) => {
      // `inherit` only when there is something to inherit: keys of bases without layers (files, test models) stay as they were.
      const key = digestOf({
        v: BUILD_FORMAT,
        op: "assemble",
        model: layerKey,
        base: base ? { key: base.step.key, from: base.from, digest: base.digest } : null,
        ...(inherit ? { inherit: inherit as never } : {}),
        // Built from a file: the TEMPLATE layer Ollama would detect depends on its bundled templates (templates/).
        ...(base || inherit ? {} : { detect: OLLAMA_TEMPLATES_COMMIT }),
        own: own.defs as never,
      });
      const step: AssembleStep = {
        kind: "assemble",
        id: `${m.name}:${tags[0]}`,
        key,
        model: m.name,
        at: m.at,
        names: tags.map(name),
        tags,
        modelLayer,
        ...(base ? { base: { step: base.step.id, from: base.from, ...(base.digest ? { digest: base.digest } : {}) } } : {}),
        ...(inherit ? { inherit } : {}),
        own: own.defs,
        deps: [...new Set([...(modelLayer.kind === "model-of" ? [modelLayer.step] : []), ...(base ? [base.step.id] : []), ...own.steps])],
      };
      steps.push(step);
      for (const t of tags) made.set(t, step);
    };
    const extra = m.tags.filter((t) => t !== DEFAULT_TAG);
    if (m.quantize.length === 0) assemble([DEFAULT_TAG, ...extra], source, inputKey);
    m.quantize.forEach((q, i) => {
      let qs = quantized.get(q.type);
      if (!qs) {
        qs = {
          kind: "quantize",
          id: `${m.name}@${q.type.toLowerCase()}`,
          key: digestOf({ v: BUILD_FORMAT, op: "quantize", type: q.type, input: inputKey }),
          model: m.name,
          type: q.type,
          input: source,
          deps: source.kind === "model-of" ? [source.step] : [],
        };
        quantized.set(q.type, qs);
        steps.push(qs);
      }
      const tags = i === 0 ? [q.tag, DEFAULT_TAG, ...extra] : [q.tag];
      assemble([...new Set(tags)], { kind: "model-of", step: qs.id }, qs.key);
    });
    return made;
  };

  /** A convert step per PEFT ADAPTER of `m`; its own layers name them by key. */
  const planLoras = (m: PlanModel, root: { input: BlobInput; key: string }): { defs: OwnLayerDefs; steps: string[] } => {
    if (!m.loras?.length) return { defs: m.own, steps: [] };
    const adapters = [...m.own.adapters];
    const ids: string[] = [];
    // The adapter's tensors: the model's `convert:` when written, else F32 (convert_lora_to_gguf.py's default --outtype);
    // an F32 key is the one of before `convert:` applied to adapters, so those adapters are not converted again.
    const outType = m.adapterConvert ?? "F32";
    for (const l of m.loras) {
      const key = digestOf({ v: BUILD_FORMAT, op: "convert-lora", converter: LORA_CONVERTER_VERSION, input: l.digest, base: root.key, ...(outType !== "F32" ? { outType } : {}) });
      const id = `${m.name}@adapter-${l.index + 1}`;
      steps.push({ kind: "convert", id, key, model: m.name, dir: l.dir, outType, deps: root.input.kind === "model-of" ? [root.input.step] : [], lora: { base: root.input, shown: l.shown, at: l.at } });
      adapters[l.index] = { convert: key };
      ids.push(id);
    }
    return { defs: { ...m.own, adapters }, steps: ids };
  };

  const wanted = input.only ? input.models.filter((m) => input.only!.includes(m.name)) : input.models;
  for (const m of wanted) visit(m);
  if (diagnostics.length) return { diagnostics };
  for (const [model, tags] of done) {
    for (const [tag, step] of [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) variants.push({ model, tag, step: step.id, key: step.key });
  }
  return { plan: { steps, variants }, diagnostics };
}

/** The `from` of layers inherited from a registry base: Ollama's shortest name for an Ollama reference (`llama3:8b`), else the canonical reference. */
function registryFrom(source: string): string {
  const ref = parseReference(source).reference;
  return ref?.kind === "ollama" ? displayShortest({ host: ref.host, namespace: ref.namespace, model: ref.model, tag: ref.tag }) : source;
}
