/** One measure of a bench against its baseline, as bench/run.ts prints it. */
export interface BenchRow {
  measure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean;
}

/** A Markdown table of rows (`ok` as yes/NO), columns padded. */
export function benchTable(rows: readonly BenchRow[]): string {
  const head = { measure: "measure", ours: "modelsmith", baseline: "baseline", ratio: "ratio", target: "target", ok: "ok" };
  const cells = [head, ...rows.map((r) => ({ ...r, ok: r.ok ? "yes" : "NO" }))];
  const keys = ["measure", "ours", "baseline", "ratio", "target", "ok"] as const;
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...cells.map((c) => c[k].length))])) as Record<(typeof keys)[number], number>;
  const line = (c: (typeof cells)[number]) => `| ${keys.map((k) => c[k].padEnd(width[k])).join(" | ")} |`;
  return [line(head), `|${keys.map((k) => "-".repeat(width[k] + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}
