import { DEPRECATED_PARAMETERS, PARAMETERS } from "../modelfile/parameters.js";
import { field, isObject } from "./http.js";

/** Where the server writes its warnings (the request log). */
export type WarnSink = (line: string) => void;

/**
 * A request's `options` as Ollama's API takes them (api.Options.FromMap): a
 * name it does not know (`foo`, or a retired one such as `tfs_z`) is left out
 * with a warning in the server log, never a 400; known names go on to the
 * runtime, which checks their values (a wrong type is a 400 there, as in
 * Ollama) and ignores the deprecated ones with its own warning.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L991-L1009
 */
export function requestOptions(body: Record<string, unknown>, warn: WarnSink | undefined): Record<string, unknown> | undefined {
  const options = field(body, "options", isObject, "an object");
  if (!options) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === null) continue;
    if (Object.hasOwn(PARAMETERS, name) || DEPRECATED_PARAMETERS.includes(name)) kept[name] = value;
    else warn?.(`warning: invalid option provided: ${JSON.stringify(name)} (ignored, as Ollama ignores it)`);
  }
  return kept;
}
