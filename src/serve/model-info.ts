import type { GgufFile } from "../gguf/reader.js";
import { plainValue, type GgufPlainValue } from "../gguf/valueTypes.js";

/**
 * model_info as Ollama's ShowHandler answers it: every metadata pair of the
 * model's GGUF but `general.name` and `tokenizer.chat_template`; without
 * `verbose`, an array longer than 5 is `[]` (its getModelData), with it whole.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1567-L1587
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1600-L1619
 */
export function ggufModelInfo(header: GgufFile, verbose: boolean): Record<string, unknown> {
  const json = (v: GgufPlainValue): unknown => (typeof v === "bigint" ? Number(v) : Array.isArray(v) ? v.map(json) : v);
  const info: Record<string, unknown> = {};
  for (const [key, entry] of header.metadata) {
    if (key === "general.name" || key === "tokenizer.chat_template") continue;
    const v = plainValue(entry.value);
    info[key] = Array.isArray(v) && v.length > 5 && !verbose ? [] : json(v);
  }
  return info;
}
