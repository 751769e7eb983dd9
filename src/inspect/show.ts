import { digestHex, displayShortest, formatModelName, LAYER_MEDIA_TYPES, type Layer, type ParamValue } from "../store/index.js";
import { humanBytes } from "./human.js";
import { FORMAT_MEDIA_TYPE, type ModelDetails } from "./model-details.js";
import { reconstructModelfile } from "./modelfile.js";
import { renderColumns } from "./table.js";

/**
 * `show` as text, like `ollama show`: sections "Model" (architecture,
 * parameters, context length, embedding length, quantization, requires),
 * "Parameters" (one row per value, `stop` once per string, strings quoted),
 * "Format" (FORMAT: `json`, or a JSON schema's blob id and size; not in Ollama, which has no FORMAT instruction),
 * "System" and "License" (their first two non-empty lines, then "..."),
 * "Messages" (role and first line), and "Layers" (kind, digest, size, and the
 * model a layer was inherited from). Each section is "  <Title>", rows
 * indented by four spaces, then a blank line. Pure.
 */
export function renderShow(d: ModelDetails): string {
  const sections: string[] = [];
  const section = (title: string, rows: string[][]) => {
    if (rows.length > 0) sections.push(`  ${title}\n${renderColumns(rows, { indent: "    " })}\n`);
  };
  const g = d.gguf;
  const model: string[][] = [];
  if (g) {
    if (g.architecture) model.push(["architecture", g.architecture]);
    model.push(["parameters", g.parameterSize]);
    if (g.contextLength !== undefined) model.push(["context length", String(g.contextLength)]);
    if (g.embeddingLength !== undefined) model.push(["embedding length", String(g.embeddingLength)]);
    model.push(["quantization", g.quantization]);
  } else if (d.config) {
    model.push(["architecture", d.config.modelFamily], ["parameters", d.config.modelType], ["quantization", d.config.fileType]);
  }
  if (d.config?.requires) model.push(["requires", d.config.requires]);
  section("Model", model);
  section("Parameters", parameterRows(d.parameters));
  if (d.format) section("Format", [d.format.kind === "json" ? ["json"] : ["JSON schema", `${digestHex(d.format.layer.digest).slice(0, 12)} (${humanBytes(d.format.layer.size)})`]]);
  if (d.system) section("System", head(d.system, 2));
  if (d.licenses.length > 0) section("License", head(d.licenses.join("\n"), 2));
  section("Messages", d.messages.map((m) => [m.role, firstLine(m.content)]));
  section("Layers", [d.stored.manifest.config, ...d.stored.manifest.layers].map(layerRow));
  return sections.join("");
}

/** The text `show --parameters` prints: `name value` rows, like Ollama's (name padded to 30). */
export function renderParameters(params: Readonly<Record<string, ParamValue>>): string {
  return parameterRows(params)
    .map(([k, v]) => `${k!.padEnd(30)} ${v}\n`)
    .join("");
}

/** `show --json`: every fact of the model, with the Modelfile that rebuilds it. */
export function showJson(d: ModelDetails, blobPath: (digest: string) => string): Record<string, unknown> {
  const m = d.stored.manifest;
  return {
    name: displayShortest(d.stored.name),
    fullName: formatModelName(d.stored.name),
    id: digestHex(d.stored.digest).slice(0, 12),
    digest: d.stored.digest,
    size: d.size,
    model: d.gguf,
    config: d.config,
    template: d.template,
    system: d.system,
    parameters: d.parameters,
    messages: d.messages,
    license: d.licenses,
    format: d.format ? (d.format.kind === "json" ? "json" : { schema: d.format.layer.digest }) : undefined,
    adapters: d.adapters.map((l) => l.digest),
    layers: [m.config, ...m.layers].map((l) => ({ kind: layerKind(l), ...l })),
    modelfile: reconstructModelfile(d, blobPath),
  };
}

/** The short name of a layer's media type: model, template, …, config, format; the media type itself when unknown. */
export function layerKind(l: Layer): string {
  if (l.mediaType === FORMAT_MEDIA_TYPE) return "format";
  if (l.mediaType === "application/vnd.docker.container.image.v1+json") return "config";
  const kind = Object.entries(LAYER_MEDIA_TYPES).find(([, t]) => t === l.mediaType)?.[0];
  return kind ?? l.mediaType;
}

function layerRow(l: Layer): string[] {
  const row = [layerKind(l), l.digest, humanBytes(l.size)];
  if (l.from) row.push(`from ${l.from}`);
  return row;
}

function parameterRows(params: Readonly<Record<string, ParamValue>>): string[][] {
  const rows: string[][] = [];
  for (const [k, v] of Object.entries(params)) {
    for (const item of Array.isArray(v) ? v : [v]) rows.push([k, typeof item === "string" ? JSON.stringify(item) : String(item)]);
  }
  return rows;
}

/** Ollama's head(): the first `n` non-empty lines, trimmed, then "..." when there are more. */
function head(text: string, n: number): string[][] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const rows = lines.slice(0, n).map((l) => [l]);
  if (lines.length > n) rows.push(["..."]);
  return rows;
}

function firstLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const first = lines[0]?.trim() ?? "";
  return lines.length > 1 ? `${first} ...` : first;
}
