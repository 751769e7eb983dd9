/**
 * Next steps at dead ends: what a newcomer should run when a command finds
 * nothing to work on. Hints only, on stderr (never in `--json` output), and
 * only where a command is about to fail or shows an empty result anyway.
 */
import { ModelsmithError } from "../diagnostics/errors.js";
import { findProjectDir, loadProject } from "../project/load.js";

/** The model names of the project of `dir` (modelsmith.yaml there or in the nearest parent folder, as every command finds it), or none when there is no valid one. */
async function projectModels(dir: string): Promise<string[] | undefined> {
  if ((await findProjectDir(dir)) === undefined) return undefined;
  try {
    return (await loadProject(dir)).project?.models.map((m) => m.name);
  } catch {
    return undefined;
  }
}

/**
 * Runs `work`, which looks `name` up in the store. When the model is not
 * there (MS5102) and the project in `dir` has a model of that name, the
 * hint says to build it: the model is not built yet, not misspelled.
 */
export async function withBuildHint<T>(name: string, dir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ModelsmithError) {
      const missing = err.diagnostics.find((d) => d.code === "MS5102");
      const model = name.split(":")[0]!;
      if (missing && (await projectModels(dir))?.includes(model)) {
        missing.hint = `\`${model}\` is a model of this project that is not built yet: run \`modelsmith build ${model}\``;
      }
    }
    throw err;
  }
}

/** The hint under an empty `ls`: build the project here, or how to get a first model. */
export async function emptyStoreHint(dir: string): Promise<string> {
  const models = await projectModels(dir);
  if (models?.length) return `no models built yet: run \`modelsmith build\` to build this project's ${models.length === 1 ? "model" : `${models.length} models`} (${models.join(", ")})`;
  return "no models yet: `modelsmith create NAME -f Modelfile` builds one from a Modelfile, `modelsmith init` starts a project (then `modelsmith build`), `modelsmith pull NAME` fetches one from a registry";
}

/** After a build: how to try what was built. */
export function tryRunHint(model: string): string {
  return `try it: modelsmith run ${model}`;
}

/** Under a registry that cannot be reached (`pull` without network): what works offline. */
export const OFFLINE_HINT =
  "offline, a project can build FROM a local GGUF (`FROM ./model.gguf`), a generated test model (`FROM testmodel://oracle`), or map this name to either under `aliases:` in modelsmith.yaml";
