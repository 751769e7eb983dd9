import { error, InputError, didYouMean } from "../diagnostics/index.js";
import { checkRange, DEPRECATED_PARAMETERS, PARAMETERS, parseScalar, type ParameterSpec } from "../modelfile/parameters.js";

/** An option value once typed: numbers, booleans, and `stop` as a list. */
export type OptionValue = number | boolean | string[];

export type OptionMap = Record<string, OptionValue>;

/**
 * Ollama's defaults (api.DefaultOptions) for what a model and a request leave
 * unset. `num_ctx` is absent on purpose: its default (4096, capped at the
 * model's training context) depends on the model.
 */
export const OLLAMA_DEFAULTS: Readonly<OptionMap> = {
  num_keep: 4,
  seed: -1,
  num_predict: -1,
  top_k: 40,
  top_p: 0.9,
  min_p: 0,
  typical_p: 1,
  repeat_last_n: 64,
  temperature: 0.8,
  repeat_penalty: 1.1,
  presence_penalty: 0,
  frequency_penalty: 0,
  stop: [],
  num_batch: 512,
  num_gpu: -1,
  main_gpu: 0,
  num_thread: 0,
};

/** Ollama's default context window when neither the model nor the caller sets one. */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

/** Options that take effect when the model is loaded (Ollama's api.Runner). */
export const LOAD_OPTIONS: readonly string[] = ["num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "num_thread"];

/**
 * Types one option given as JSON (a params layer, a request's `options`):
 * `int` takes an integral number, `float` any finite number, `bool` a boolean,
 * `stop` a string or a list of strings. Deprecated names (which Ollama accepts
 * and ignores) are kept as they are. Throws InputError MS8001 for an unknown
 * name (with a did-you-mean), MS8002 for a value of the wrong type or range.
 */
export function typeOption(name: string, value: unknown, where: string): OptionValue | undefined {
  const spec = specOf(name, where);
  if (spec === undefined) return undefined;
  const bad = (what: string) => new InputError(error("MS8002", `${where}: option ${name} must be ${what}, got ${JSON.stringify(value)}`));
  switch (spec.type) {
    case "stringList":
      if (typeof value === "string") return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...(value as string[])];
      throw bad("a string or a list of strings");
    case "bool":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
    case "int":
    case "float": {
      if (typeof value !== "number" || (spec.type === "int" && !Number.isInteger(value))) throw bad(spec.type === "int" ? "an integer" : "a number");
      const range = checkRange(spec, value);
      if (range !== undefined) throw bad(range);
      return value;
    }
  }
}

/**
 * Types one option written as text (`-p key=value` on the command line), by the
 * parameters table: Go's ParseInt/ParseFloat/ParseBool syntax, `stop` taken as
 * the text itself. Same errors as {@link typeOption}.
 */
export function parseOptionText(name: string, text: string, where: string): OptionValue | undefined {
  const spec = specOf(name, where);
  if (spec === undefined) return undefined;
  if (spec.type === "stringList") return [text];
  const parsed = parseScalar(spec.type, text);
  if (!parsed.ok) throw new InputError(error("MS8002", `${where}: option ${name} must be ${parsed.message}, got ${JSON.stringify(text)}`));
  if (typeof parsed.value === "number") {
    const range = checkRange(spec, parsed.value);
    if (range !== undefined) throw new InputError(error("MS8002", `${where}: option ${name} must be ${range}, got ${text}`));
  }
  return parsed.value;
}

/**
 * Types every entry of `raw` with {@link typeOption}. Deprecated names (Ollama
 * accepts them and ignores them) are left out of `options` and listed in `ignored`.
 */
export function typeOptions(raw: Readonly<Record<string, unknown>>, where: string): { options: OptionMap; ignored: string[] } {
  const options: OptionMap = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const typed = typeOption(name, value, where);
    if (typed === undefined) ignored.push(name);
    else options[name] = typed;
  }
  return { options, ignored };
}

/** The spec of a known option; undefined for a deprecated one; InputError MS8001 for an unknown one. */
function specOf(name: string, where: string): ParameterSpec | undefined {
  const spec = Object.hasOwn(PARAMETERS, name) ? PARAMETERS[name] : undefined;
  if (spec) return spec;
  if (DEPRECATED_PARAMETERS.includes(name)) return undefined;
  throw new InputError(error("MS8001", `${where}: unknown option ${JSON.stringify(name)}`, { hint: didYouMean(name, Object.keys(PARAMETERS)) ?? "options are the PARAMETER names of a Modelfile (temperature, top_k, num_predict, stop, ...)" }));
}
