import type { CaseResult } from "../runner.js";
import { failureLines } from "./console.js";
import { byModel, summarize } from "./summary.js";
import { escapeXml } from "./xml.js";

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * The JUnit XML report (`--reporter junit`), the shape CI systems read: one
 * `<testsuite>` per model, one `<testcase>` per case (classname: the test file,
 * name: `#n name`), `<failure>` for a failed case and `<error>` for one that
 * could not run, each with the failing assertions and the output as text.
 */
export function junitReport(results: readonly CaseResult[]): string {
  const all = summarize(results);
  const total = results.reduce((s, r) => s + r.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelsmith" tests="${all.cases}" failures="${all.failed}" errors="${all.errors}" time="${seconds(total)}">`,
  ];
  for (const [model, group] of byModel(results)) {
    const s = summarize(group);
    const time = group.reduce((t, r) => t + r.durationMs, 0);
    lines.push(`  <testsuite name="${escapeXml(model, true)}" tests="${s.cases}" failures="${s.failed}" errors="${s.errors}" skipped="0" time="${seconds(time)}">`);
    // promptfoo's named scores, summed per metric over the suite's cases.
    if (s.metrics) {
      lines.push("    <properties>");
      for (const [k, m] of Object.entries(s.metrics)) lines.push(`      <property name="${escapeXml(`metric:${k}`, true)}" value="${escapeXml(`${m.sum}/${m.count}`, true)}"/>`);
      lines.push("    </properties>");
    }
    for (const r of group) {
      const open = `    <testcase classname="${escapeXml(r.case.file, true)}" name="${escapeXml(`#${r.case.index + 1} ${r.case.name}`, true)}" time="${seconds(r.durationMs)}"`;
      if (r.status === "pass") {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      if (r.status === "error") {
        lines.push(`      <error message="${escapeXml(r.error ?? "error", true)}" type="error"/>`);
      } else {
        const message = `score ${r.score.toFixed(2)}, ${r.runs.filter((x) => x.pass).length}/${r.runs.length} runs passed`;
        lines.push(`      <failure message="${escapeXml(message, true)}" type="assertion">${escapeXml(failureLines(r).join("\n"))}</failure>`);
      }
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}
