import { gv, GgufValueType, type GgufMetadata, type GgufMetadataEntry } from "../gguf/index.js";
import { displayShortest, encodeMessages, encodeParams } from "../store/index.js";
import type { ModelDetails } from "../inspect/index.js";

/** Every key modelsmith adds to an exported GGUF starts with this; keys under it in the source are replaced. */
export const EXPORT_KEY_PREFIX = "modelsmith.";

/**
 * The metadata of an exported GGUF: the model GGUF's own metadata unchanged
 * and in order (its `tokenizer.chat_template` included), then the layers a
 * GGUF has no standard key for, under `modelsmith.*`:
 *
 *     modelsmith.name             string   the model's name, e.g. "code-assistant:latest"
 *     modelsmith.manifest_digest  string   the digest of the manifest it was exported from
 *     modelsmith.template         string   TEMPLATE (Go text/template syntax, as Ollama renders it)
 *     modelsmith.system           string   SYSTEM
 *     modelsmith.parameters       string   PARAMETERs as JSON, exactly the params layer ({"stop":[…],"temperature":0.2})
 *     modelsmith.messages         string   MESSAGEs as JSON ([{"role":…,"content":…}])
 *     modelsmith.license          [string] LICENSE texts
 *     modelsmith.format           string   FORMAT: "json", or the JSON Schema's text
 *     modelsmith.requires         string   REQUIRES
 *
 * Each key is present only when the model has that layer. Why not
 * `tokenizer.chat_template`: llama.cpp reads it as a Jinja template, and a Go
 * template (Ollama's TEMPLATE) is not one and cannot in general be turned into
 * one; so the GGUF keeps its own chat template, which llama.cpp and
 * node-llama-cpp use, and the Ollama template travels beside it for tools
 * that render Go templates (modelsmith's runtime, Ollama). Pure.
 */
export function exportMetadata(source: GgufMetadata, d: ModelDetails, extra: { format?: string } = {}): Array<[string, GgufMetadataEntry]> {
  const out: Array<[string, GgufMetadataEntry]> = [...source].filter(([k]) => !k.startsWith(EXPORT_KEY_PREFIX));
  const add = (key: string, entry: GgufMetadataEntry) => out.push([EXPORT_KEY_PREFIX + key, entry]);
  add("name", gv.str(displayShortest(d.stored.name)));
  add("manifest_digest", gv.str(d.stored.digest));
  if (d.template !== undefined) add("template", gv.str(d.template));
  if (d.system !== undefined) add("system", gv.str(d.system));
  if (Object.keys(d.parameters).length > 0) add("parameters", gv.str(jsonText(encodeParams(d.parameters))));
  if (d.messages.length > 0) add("messages", gv.str(jsonText(encodeMessages(d.messages))));
  if (d.licenses.length > 0) add("license", gv.arr(GgufValueType.STRING, [...d.licenses]));
  if (extra.format !== undefined) add("format", gv.str(extra.format));
  if (d.config?.requires) add("requires", gv.str(d.config.requires));
  return out;
}

function jsonText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8").replace(/\n$/, "");
}
