import { PROJECT_FILE } from "./project.js";
import { MODEL_NAME_PATTERN } from "./schema.js";

/**
 * The model name a folder's own Modelfile gets when `init` adopts it: the
 * folder's name made a valid model name (lower case; runs of other
 * characters become `-`; at most 80 characters), or `model` when nothing of
 * it is left.
 */
export function adoptedModelName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 80)
    .replace(/[._-]+$/, "");
  return new RegExp(MODEL_NAME_PATTERN).test(name) ? name : "model";
}

/** The `modelsmith.yaml` that adopts an existing Modelfile (`init` in a folder that has one). Pure. */
export function adoptingProjectFile(model: string, modelfile: string): string {
  return [
    `# A modelsmith project (${PROJECT_FILE}): each model is a Modelfile, built into the local store.`,
    "# Schema for editors: https://modelsmith.dev/schemas/modelsmith.schema.json",
    "models:",
    `  ${model}:`,
    `    modelfile: ${modelfile}`,
    "    # quantize: [Q4_K_M, Q8_0]   # one variant tag per type",
    "    # tests: tests.yaml          # prompt tests, run by `modelsmith build` and `modelsmith test`",
    "",
  ].join("\n");
}
