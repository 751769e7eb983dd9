import type { PlainModelfile } from "./instructions.js";
import type { ParameterValue } from "./parameters.js";
import { quoteValue } from "./quote.js";

/**
 * A Modelfile from typed instructions (for `show --modelfile` and for export
 * to Ollama), in a fixed order with one blank line between groups: FROM,
 * ADAPTER, projector FROMs, TEMPLATE, SYSTEM, PARAMETER (in the given order; one `stop` line per
 * string), MESSAGE, LICENSE, REQUIRES, FORMAT. Values are quoted by `quoteValue`,
 * so parsing the output gives back the same PlainModelfile.
 */
export function printPlainModelfile(m: PlainModelfile): string {
  const groups: string[][] = [];
  const add = (lines: string[]) => lines.length > 0 && groups.push(lines);
  if (m.from !== undefined) add([`FROM ${quoteValue(m.from)}`]);
  add(m.adapters.map((a) => `ADAPTER ${quoteValue(a)}`));
  // Projectors after the adapters, as Ollama's show --modelfile prints them.
  add((m.projectors ?? []).map((p) => `FROM ${quoteValue(p)}`));
  if (m.template !== undefined) add([`TEMPLATE ${quoteValue(m.template)}`]);
  if (m.system !== undefined) add([`SYSTEM ${quoteValue(m.system)}`]);
  add(Object.entries(m.parameters).flatMap(([name, value]) => parameterLines(name, value)));
  add(m.messages.map((msg) => `MESSAGE ${msg.role} ${quoteValue(msg.content)}`));
  add(m.license.map((l) => `LICENSE ${quoteValue(l)}`));
  if (m.requires !== undefined) add([`REQUIRES ${m.requires}`]);
  if (m.format) add([`FORMAT ${m.format.kind === "json" ? "json" : quoteValue(m.format.path)}`]);
  return groups.length === 0 ? "" : `${groups.map((g) => g.join("\n")).join("\n\n")}\n`;
}

function parameterLines(name: string, value: ParameterValue): string[] {
  if (Array.isArray(value)) return value.map((v) => `PARAMETER ${name} ${quoteValue(v)}`);
  return [`PARAMETER ${name} ${String(value)}`];
}
