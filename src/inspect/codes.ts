import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics of the store commands (`ls`, `show`, `cp`, `rm`, `prune`,
 * `du`, `verify`): the MS530x block. Export has MS532x (src/export/codes.ts).
 */
export const INSPECT_CODES = defineCodes({
  MS5301: {
    title: "blob does not match its digest",
    example: "modelsmith verify   # after a blob's bytes were changed on disk (a bad disk, a hardlinked source edited in place)",
    fix: "The models named are damaged: rebuild or pull them again (or `modelsmith rm` them), then `modelsmith prune`.",
  },
  MS5302: {
    title: "blob missing from the store",
    example: "modelsmith verify   # after a file under $MODELSMITH_HOME/blobs was deleted by hand",
    fix: "Rebuild or pull the models named, or remove them with `modelsmith rm`.",
  },
  MS5303: {
    title: "blob size differs from the manifest",
    example: "modelsmith verify   # a manifest edited by hand that declares another size",
    fix: "Rebuild or pull the models named; their manifests do not describe the blobs they use.",
  },
  MS5304: {
    title: "model has no GGUF model layer",
    example: "modelsmith show x   # a manifest without an application/vnd.ollama.image.model layer",
    fix: "Rebuild the model; every model built or pulled by modelsmith has exactly one model layer.",
  },
  MS5305: {
    title: "invalid duration",
    example: "modelsmith prune --grace 5x",
    fix: "Write a number and a unit: 0, 90s, 30m, 1h or 2d.",
  },
  MS5306: {
    title: "blobs kept because some manifests cannot be read",
    example: "modelsmith rm a   # while another manifest in the store is corrupt",
    fix: "The model was removed but its blobs kept, since an unreadable manifest might use them. Remove the broken model, then run `modelsmith prune`.",
  },
});
