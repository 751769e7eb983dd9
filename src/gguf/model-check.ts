import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { ModelsmithError } from "../diagnostics/errors.js";
import { hyperparameterProblems } from "./hparams.js";
import { readGgufFile } from "./reader.js";
import { readSplitSet, splitCountOf } from "./split.js";

/**
 * Everything that keeps llama.cpp from loading the model GGUF `file`, as
 * diagnostics at `at` (a FROM line): its header as our bounded reader sees it
 * (MS30xx), then its hyperparameters and tensor shapes (MS3090, MS3091), each
 * message starting with `shown` and naming the GGUF key. Empty when it loads.
 */
export async function modelFileProblems(file: string, shown: string, at: { file?: string; range?: SourceRange } = {}): Promise<Diagnostic[]> {
  let gguf;
  try {
    gguf = await readGgufFile(file);
  } catch (err) {
    if (!(err instanceof ModelsmithError)) throw err;
    return err.diagnostics.map((d) => ({ ...d, ...at, message: `${shown}: ${d.message}` }));
  }
  try {
    // The first part of a split set: the set as llama.cpp loads it (its own messages name `shown`).
    if (splitCountOf(gguf) !== undefined) gguf = (await readSplitSet(file, gguf, shown, at)).joined;
  } catch (err) {
    if (!(err instanceof ModelsmithError)) throw err;
    return err.diagnostics;
  }
  try {
    return hyperparameterProblems(gguf).map((p) =>
      error(p.code, `${shown}: ${p.message}`, { ...at, hint: p.code === "MS3090" ? `llama.cpp would abort on ${p.key}; re-convert the model or fix that key` : "the tensors do not fit the metadata; re-convert the model" }),
    );
  } catch (err) {
    if (!(err instanceof ModelsmithError)) throw err;
    return err.diagnostics.map((d) => ({ ...d, ...at, message: `${shown}: ${d.message}` }));
  }
}
