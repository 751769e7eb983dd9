import { humanBytes } from "../../inspect/human.js";
import { renderColumns } from "../../inspect/table.js";
import type { ModelComparison, VariantRow } from "./compare-models.js";

/**
 * `test --compare` on a terminal: per model a heading (the base, the text)
 * and one row per variant:
 *
 *     code-assistant: against the base testmodel://oracle?… (sha256:674d67fee98a, 7.3 MB) over compare.txt (120 tokens)
 *       variant    size      tests        tokens/s    mean KL     top-1
 *       q4_k_m     2.1 MB    3/3 100%     812.4       0.012345    98.3%
 *
 * Sizes in Ollama's units, KL in nats with 6 decimals, agreement in percent
 * with one decimal; "-" where there is nothing to show (no tests, no compare
 * text, no speed).
 */
export function compareReport(models: readonly ModelComparison[]): string {
  if (models.length === 0) return "no models to compare: give a model name, or set `quantize` on a model in modelsmith.yaml\n";
  return models.map(modelSection).join("\n");
}

function modelSection(m: ModelComparison): string {
  const over = m.text ? ` over ${m.text.file} (${m.text.tokens} token${m.text.tokens === 1 ? "" : "s"})` : " (no compare.text: no KL or agreement)";
  const head = `${m.model}: against the base ${m.base.from} (${m.base.digest.slice(0, "sha256:".length + 12)}, ${humanBytes(m.base.size)})${over}\n`;
  const rows = [["variant", "size", "tests", "tokens/s", "mean KL", "top-1"], ...m.variants.map(cells)];
  return head + renderColumns(rows, { indent: "  " });
}

function cells(v: VariantRow): string[] {
  return [
    v.tag,
    humanBytes(v.size),
    v.passRate === null ? "-" : `${v.passed}/${v.cases} ${Math.round(v.passRate * 100)}%`,
    v.tokensPerSecond === null ? "-" : v.tokensPerSecond.toFixed(1),
    v.meanKl === null ? "-" : v.meanKl.toFixed(6),
    v.top1Agreement === null ? "-" : `${(v.top1Agreement * 100).toFixed(1)}%`,
  ];
}

/**
 * `test --compare --json`: the same rows as one document,
 *
 *     {models: [{model, base: {from, digest, size}, text: {file, tokens, positions} | null,
 *                variants: [{model, tag, name, digest, size, cases, passed, passRate,
 *                            tokensPerSecond, meanKl, top1Agreement}]}]}
 *
 * with null for what the console shows as "-" and full precision numbers.
 */
export function compareJson(models: readonly ModelComparison[]): string {
  return `${JSON.stringify({ models }, null, 2)}\n`;
}
