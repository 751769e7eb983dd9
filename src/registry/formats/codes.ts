import { defineCodes } from "../../diagnostics/registry.js";

/** Diagnostics of the artifact formats of `push --format`, provenance referrers and `verify oci://…` (MS5750–MS5799). */
export const FORMAT_CODES = defineCodes({
  MS5750: {
    title: "unknown push format",
    example: "modelsmith push chat oci://127.0.0.1:5000/chat:1 --format gguf",
    fix: "Use --format ollama (the default: the store's manifest as it is), modelpack (CNCF ModelPack) or docker (Docker Model Runner).",
  },
  MS5751: {
    title: "model cannot be written in this format",
    example: "modelsmith push chat oci://127.0.0.1:5000/chat:1 --format modelpack   (a stored model without a GGUF model layer)",
    fix: "Push a model that has a model layer (application/vnd.ollama.image.model), or push it with --format ollama.",
  },
  MS5752: {
    title: "no provenance document for this model",
    example: "modelsmith verify oci://127.0.0.1:5000/chat:1   (pushed without a project, or by another tool)",
    fix: "Push the model from the project that built it (`modelsmith push chat oci://… -C project`): push attaches the document as an OCI referrer when models.lock records the model.",
  },
  MS5753: {
    title: "provenance does not match the model",
    example: "modelsmith verify oci://127.0.0.1:5000/chat:1   (a pin in the document was altered, or the manifest is not the one the lock records)",
    fix: "The document's Modelfile and pins do not give the input digest it records, or the pushed manifest is not the one built from them. Do not trust this artifact; rebuild and push it from a clean checkout.",
  },
  MS5754: {
    title: "invalid provenance document",
    example: "modelsmith verify oci://127.0.0.1:5000/chat:1   (the referrer's layer is not a modelsmith provenance document)",
    fix: "The referrer's document is not JSON of the form application/vnd.modelsmith.provenance.v1+json describes (see docs/artifacts.md); push the model again.",
  },
  MS5755: {
    title: "no provenance: models.lock does not record a base model the pushed one is built from (warning)",
    example: "modelsmith push cub oci://127.0.0.1:5000/cub:1   (cub's Modelfile says FROM fox, a model of the project, and models.lock has no entry fox.latest)",
    fix: "The model is pushed without a provenance referrer: a model built FROM another model of the project carries that model's Modelfile and lock entries in its document (schema version 2), and models.lock does not record them. Run `modelsmith build` in the project, then push again. (Before schema version 2 this warning was given for every model built FROM another project model.)",
  },
});
