import { defineCodes } from "../diagnostics/registry.js";

/**
 * Diagnostics raised by the content-addressed store (src/store/). They use the
 * MS51xx block of the store/build range; quantization keeps MS55xx.
 */
export const STORE_CODES = defineCodes({
  MS5101: {
    title: "invalid model name",
    example: "modelsmith show -code-assistant   (a part must start with a letter, digit or _)",
    fix: "Write the name as [host/][namespace/]model[:tag]; each part starts with a letter, digit or _ and uses only letters, digits, _ - . (the host also :, the namespace no .).",
  },
  MS5102: {
    title: "model not found in the store",
    example: "modelsmith show code-asistant",
    fix: "Check the name with `modelsmith ls`; build or pull the model first.",
  },
  MS5103: {
    title: "invalid digest",
    example: "FROM llama3@sha256:abc   (not 64 hex digits)",
    fix: "A digest is `sha256:` followed by 64 hex digits.",
  },
  MS5104: {
    title: "content does not match its digest",
    example: "a download whose bytes hash to a different sha256 than the manifest says",
    fix: "The data is corrupt or was changed on the way; fetch it again. Nothing was written to the store.",
  },
  MS5105: {
    title: "corrupt manifest",
    example: "a manifest file in $MODELSMITH_HOME/manifests that is not valid JSON",
    fix: "Remove the model with `modelsmith rm <name>` and build or pull it again.",
  },
  MS5106: {
    title: "manifest refers to a missing blob",
    example: "writing a manifest before its layers were put in the store, or a blob deleted by hand",
    fix: "Rebuild or pull the model again; the store only keeps manifests whose blobs are all present.",
  },
  MS5107: {
    title: "store is locked",
    example: "two builds that write one store at the same time, one of them stuck",
    fix: "Wait for the other modelsmith process to finish; the lock file names its pid. A lock left by a dead process is taken over by itself.",
  },
  MS5108: {
    title: "file changed while it was added to the store",
    example: "FROM ./model.gguf while another program is still writing model.gguf",
    fix: "Wait until the file is complete, then build again.",
  },
  MS5109: {
    title: "cannot write to the store",
    example: "a full disk, or $MODELSMITH_HOME on a read-only file system",
    fix: "Free disk space or point MODELSMITH_HOME at a writable directory.",
  },
  MS5110: {
    title: "store holds unreadable manifests",
    example: "modelsmith prune with a manifest file that is not valid JSON",
    fix: "Nothing was removed: a blob might belong to the unreadable manifest. Remove it with `modelsmith rm <name>` first.",
  },
  MS5111: {
    title: "corrupt blob removed and made again",
    example: "a build that finds one byte of a quantized blob flipped since it was written",
    fix: "Nothing to do for this blob: the build removed it and made or fetched it again. Something wrote into the store (a disk fault, or a tool that edited a hardlinked model file in place); run `modelsmith verify` to check every other blob.",
  },
  MS5190: {
    title: "a stored layer is missing or damaged",
    example: "modelsmith show chat   # after the system layer's blob was deleted or edited by hand",
    fix: "Run `modelsmith verify` to list what is damaged, then build or pull the model again; small layers are checked by digest each time they are read.",
  },
});
