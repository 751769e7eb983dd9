import type { CaseResult } from "../runner.js";
import { summarize } from "./summary.js";

/**
 * The JSON report (`--reporter json`, `--json`): one document with a summary
 * and every case, each with its runs, outputs and assertion results.
 *
 *     {ok, summary: {cases, passed, failed, errors, cached, metrics?: {NAME: {sum, count}}, graderAnswers?: {cached, asked}},
 *      cases: [{id, file, name, model, status, score, passRate, cached, durationMs, error?, namedScores?, graderAnswers?: {cached, asked}, vars,
 *               runs: [{text, finishReason, latencyMs, promptTokens, completionTokens, pass, score, namedScores?, transformed?,
 *                       assertions: [{name, pass, score, weight, expected, detail?, metric?, set?}]}]}]}
 */
export function jsonReport(results: readonly CaseResult[]): string {
  const summary = summarize(results);
  const cases = results.map((r) => ({
    id: r.case.id,
    file: r.case.file,
    line: r.case.range.start.line,
    name: r.case.name,
    model: r.model,
    status: r.status,
    score: r.score,
    passRate: r.passRate,
    cached: r.cached,
    durationMs: Math.round(r.durationMs),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.namedScores ? { namedScores: r.namedScores } : {}),
    ...(r.graderAnswers ? { graderAnswers: r.graderAnswers } : {}),
    vars: r.case.vars,
    runs: r.runs,
  }));
  return `${JSON.stringify({ ok: summary.failed === 0 && summary.errors === 0, summary, cases }, null, 2)}\n`;
}
