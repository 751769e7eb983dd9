import type { GgufFile } from "../gguf/reader.js";
import { plainValue, type GgufPlainValue } from "../gguf/valueTypes.js";

/**
 * model_info as Ollama's ShowHandler answers it: every metadata pair of the
 * model's GGUF but `general.name` and `tokenizer.chat_template`; without
 * `verbose` an array is `null`, with it whole (see ggufKv).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1567-L1587
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1600-L1619
 */
export function ggufModelInfo(header: GgufFile, verbose: boolean): Record<string, unknown> {
  const info = ggufKv(header, verbose);
  delete info["general.name"];
  delete info["tokenizer.chat_template"];
  return info;
}

/**
 * projector_info as Ollama's ShowHandler answers it for a model with a
 * projector layer: getModelData of the first projector
 * (`m.ProjectorPaths[0]`), kept whole: unlike model_info, `general.name` and
 * `tokenizer.chat_template` stay; `general.parameter_count` is the sum of its
 * tensors' elements, as ggml's decoder patches it into the KV; arrays are
 * `null` without `verbose` (ggufKv). A model without a projector has no
 * `projector_info` (`omitempty`).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1589-L1595
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/fs/ggml/gguf.go#L250-L251
 */
export function ggufProjectorInfo(header: GgufFile, verbose: boolean): Record<string, unknown> {
  const info = ggufKv(header, verbose);
  info["general.parameter_count"] = header.tensors.reduce((sum, t) => sum + t.dims.reduce((n, d) => n * d, 1), 0);
  return info;
}

/**
 * Every metadata pair of a GGUF as JSON values, as Ollama's getModelData
 * gives them: it decodes with maxArraySize 0 unless `verbose` (-1), and since
 * "zero means zero" (ollama 8d376acc9, April 2025) an array of one element or
 * more is then read without its values (ggml newArray), which Go marshals as
 * `null`; an empty one is `[]`. (Its later "longer than 5 is []" loop no longer
 * matches anything: the values are *array[T], not []any.)
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/fs/ggml/gguf.go#L465-L483
 */
function ggufKv(header: GgufFile, verbose: boolean): Record<string, unknown> {
  const json = (v: GgufPlainValue): unknown => (typeof v === "bigint" ? Number(v) : Array.isArray(v) ? v.map(json) : v);
  const info: Record<string, unknown> = {};
  for (const [key, entry] of header.metadata) {
    const v = plainValue(entry.value);
    info[key] = Array.isArray(v) && v.length > 0 && !verbose ? null : json(v);
  }
  return info;
}
