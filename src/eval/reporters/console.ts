import type { CaseResult } from "../runner.js";
import { byModel, metricsLine, summarize, summaryLine } from "./summary.js";

/** Outputs longer than this are cut in failure reports (the JSON report has them whole). */
const MAX_OUTPUT = 2000;
/** Failing runs shown per case. */
const MAX_RUNS = 3;

const STATUS = { pass: "PASS", fail: "FAIL", error: "ERROR" } as const;

/**
 * The console report: per model a compact table (status, case, name, score,
 * runs passed, time or `cached`), then each failed case with its failing
 * assertions (what was expected, and what happened) and the output, then the
 * summary line. Plain text, no color: it goes to stdout or a file.
 */
export function consoleReport(results: readonly CaseResult[]): string {
  const out: string[] = [];
  for (const [model, group] of byModel(results)) {
    out.push(model);
    const rows = group.map((r) => [
      STATUS[r.status],
      r.case.id,
      r.case.name,
      r.status === "error" ? "-" : r.score.toFixed(2),
      r.status === "error" ? "-" : `${r.runs.filter((x) => x.pass).length}/${r.runs.length}`,
      r.cached ? "cached" : `${Math.round(r.durationMs)} ms`,
    ]);
    out.push(...table([["status", "case", "name", "score", "runs", "time"], ...rows], [false, false, false, true, true, true]).map((l) => `  ${l}`));
    out.push("");
  }
  const failed = results.filter((r) => r.status !== "pass");
  for (const r of failed) {
    const at = `${r.case.file}:${r.case.range.start.line}:${r.case.range.start.column}`;
    out.push(`${STATUS[r.status]} ${r.model} ${r.case.id} ${r.case.name} (${at})`, ...failureLines(r).map((l) => `  ${l}`), "");
  }
  const summary = summarize(results);
  const metrics = metricsLine(summary);
  if (metrics) out.push(metrics);
  out.push(summaryLine(summary));
  return `${out.join("\n")}\n`;
}

/** What went wrong in a case that did not pass: for each failing run (at most 3), its failing assertions and its output. */
export function failureLines(r: CaseResult): string[] {
  if (r.status === "error") return [`error: ${r.error ?? "unknown"}`];
  const lines: string[] = [];
  if (r.case.threshold !== undefined) lines.push(`threshold ${r.case.threshold}: a run passes with a score of at least that`);
  if (r.runs.length > 1) lines.push(`${r.runs.filter((x) => x.pass).length}/${r.runs.length} runs passed, ${Math.round(r.case.passRate * 100)}% needed`);
  const failing = r.runs.map((run, i) => ({ run, i })).filter(({ run }) => !run.pass);
  for (const { run, i } of failing.slice(0, MAX_RUNS)) {
    const head = r.runs.length > 1 ? `run ${i + 1}: ` : "";
    lines.push(`${head}score ${run.score.toFixed(2)}, finished with ${run.finishReason}`);
    for (const a of run.assertions) {
      if (a.pass) continue;
      const weight = a.weight === 1 ? "" : ` (weight ${a.weight})`;
      lines.push(`  ✗ ${a.name}${weight}: expected output to ${a.expected}${a.detail !== undefined ? `; ${a.detail}` : ""}`);
    }
    lines.push(`  output: ${shown(run.text)}`);
    if (run.transformed !== undefined) lines.push(`  transformed: ${shown(run.transformed)}`);
  }
  if (failing.length > MAX_RUNS) lines.push(`(${failing.length - MAX_RUNS} more failing runs: see --reporter json)`);
  return lines;
}

function shown(text: string): string {
  const cut = text.length > MAX_OUTPUT;
  return `${JSON.stringify(cut ? text.slice(0, MAX_OUTPUT) : text)}${cut ? ` … (${text.length - MAX_OUTPUT} more characters)` : ""}`;
}

/** Left- or right-aligned columns separated by two spaces; trailing spaces trimmed. */
function table(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => {
        const pad = " ".repeat(widths[c]! - [...cell].length);
        return rightAlign[c] ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}
