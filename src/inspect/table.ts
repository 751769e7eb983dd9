/**
 * Plain text columns as Ollama's CLI draws them (tablewriter without borders,
 * left-aligned, cells padded to the widest in their column and separated by
 * `gap`, default four spaces). Trailing spaces are trimmed from every line.
 * Widths count UTF-16 code units; cells must not hold newlines.
 */
export function renderColumns(rows: readonly (readonly string[])[], options: { indent?: string; gap?: string } = {}): string {
  const gap = options.gap ?? "    ";
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => (options.indent ?? "") + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(gap))
    .map((line) => line.trimEnd())
    .map((line) => `${line}\n`)
    .join("");
}
