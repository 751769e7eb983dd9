import { didYouMean } from "../diagnostics/suggest.js";
import { MODEL_NAME_PATTERN } from "../project/schema.js";
import { TAG_PATTERN } from "./name-parts.js";
import type { Problems } from "./problems.js";
import type { ProjectReference } from "./reference-types.js";

const NAME = new RegExp(MODEL_NAME_PATTERN);

/**
 * Another model of the project, by name (`project://` already stripped):
 *
 *     project-ref = model-name [ ":" variant-tag ]
 *
 * `model-name` must be one of `projectModels`; no tag means the model's default
 * variant, which only the build knows, so it is left absent.
 */
export function parseProjectRef(text: string, projectModels: readonly string[], problems: Problems): Omit<ProjectReference, "digest"> | undefined {
  const colon = text.indexOf(":");
  const model = colon < 0 ? text : text.slice(0, colon);
  const tag = colon < 0 ? undefined : text.slice(colon + 1);
  if (!NAME.test(model)) {
    return problems.error("MS4119", model === "" ? "the project model name is empty" : `invalid project model name \`${model}\``, 0, model.length, "write `project://<model>[:<variant tag>]`");
  }
  if (!projectModels.includes(model)) {
    return problems.error("MS4111", `\`${model}\` is not a model of this project`, 0, model.length, didYouMean(model, projectModels) ?? listOf(projectModels));
  }
  if (tag === undefined) return { kind: "project", model };
  if (!TAG_PATTERN.test(tag)) {
    return problems.error("MS4119", tag === "" ? "the variant tag is empty" : `invalid variant tag \`${tag}\``, colon + 1, text.length, "a tag is letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`");
  }
  return { kind: "project", model, tag };
}

function listOf(models: readonly string[]): string | undefined {
  return models.length === 0 ? undefined : `the project's models: ${[...models].sort().join(", ")}`;
}
