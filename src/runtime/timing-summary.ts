import type { GenerateResult } from "./types.js";

/**
 * Go's time.Duration.String() of a nanosecond count: "0s", "512ns",
 * "1.5µs", "12.345678ms", "2.000000001s", "1m3.5s", "2h0m0s" (fractions
 * without trailing zeros; hours and minutes only when the value reaches them).
 */
export function formatGoDuration(ns: number): string {
  let v = BigInt(Math.round(ns));
  const sign = v < 0n ? "-" : "";
  if (v < 0n) v = -v;
  if (v === 0n) return "0s";
  if (v < 1_000n) return `${sign}${v}ns`;
  if (v < 1_000_000n) return `${sign}${fraction(v, 3)}µs`;
  if (v < 1_000_000_000n) return `${sign}${fraction(v, 6)}ms`;
  const seconds = `${fraction(v % 60_000_000_000n, 9)}s`;
  const minutes = v / 60_000_000_000n;
  if (minutes === 0n) return `${sign}${seconds}`;
  const hours = minutes / 60n;
  return `${sign}${hours > 0n ? `${hours}h` : ""}${minutes % 60n}m${seconds}`;
}

/** `v / 10^digits` in decimal, trailing zeros (and a bare point) dropped. */
function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const frac = (v % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return frac === "" ? `${v / scale}` : `${v / scale}.${frac}`;
}

/**
 * The figures `ollama run --verbose` prints after an answer (api.Metrics.Summary),
 * line for line; a line whose figure is zero is left out, as Ollama does.
 */
export function ollamaTimingSummary(r: Pick<GenerateResult, "promptTokens" | "completionTokens" | "timings">): string {
  const t = r.timings;
  const lines: string[] = [];
  const rate = (count: number, ns: number) => `${(count / (ns / 1e9)).toFixed(2)} tokens/s`;
  if (t.totalNs > 0) lines.push(`total duration:       ${formatGoDuration(t.totalNs)}`);
  if (t.loadNs > 0) lines.push(`load duration:        ${formatGoDuration(t.loadNs)}`);
  if (r.promptTokens > 0) lines.push(`prompt eval count:    ${r.promptTokens} token(s)`);
  if (t.promptEvalNs > 0) {
    lines.push(`prompt eval duration: ${formatGoDuration(t.promptEvalNs)}`);
    lines.push(`prompt eval rate:     ${rate(r.promptTokens, t.promptEvalNs)}`);
  }
  if (r.completionTokens > 0) lines.push(`eval count:           ${r.completionTokens} token(s)`);
  if (t.evalNs > 0) {
    lines.push(`eval duration:        ${formatGoDuration(t.evalNs)}`);
    lines.push(`eval rate:            ${rate(r.completionTokens, t.evalNs)}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

/** A finished generation's figures under the field names of Ollama's API responses (`/api/generate`, `/api/chat`), in nanoseconds. */
export function ollamaTimingFields(r: Pick<GenerateResult, "promptTokens" | "completionTokens" | "timings">) {
  return {
    total_duration: r.timings.totalNs,
    load_duration: r.timings.loadNs,
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: r.timings.promptEvalNs,
    eval_count: r.completionTokens,
    eval_duration: r.timings.evalNs,
  };
}
