import { humanBytes } from "../inspect/human.js";
import type { ActivityUnit } from "./activity.js";

/** The state a renderer keeps of one activity. */
export interface ActivityState {
  label: string;
  unit: ActivityUnit;
  done: number;
  total?: number;
  /** Date.now() when it began. */
  started: number;
}

/** `[██████░░░░░░░░░░]` of `width` cells for a fraction 0..1. */
export function bar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

/** `1h2m`, `3m4s`, `5s`: an ETA or an elapsed time, rounded up to whole seconds. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}

/** The fraction done, when the total is known. */
export function fractionOf(a: Pick<ActivityState, "done" | "total">): number | undefined {
  return a.total === undefined || a.total <= 0 ? undefined : a.done / a.total;
}

/**
 * What an activity has done so far, without its label:
 * `45% 4.5 MB/10 MB, 3.4 MB/s, ETA 2s` for bytes, `12/200 tensors` for tensors.
 * The rate and ETA need a second of history (a rate over milliseconds says nothing).
 */
export function describeProgress(a: ActivityState, now = Date.now()): string {
  const f = fractionOf(a);
  const pct = f === undefined ? "" : `${String(Math.floor(f * 100)).padStart(3)}% `;
  if (a.unit === "tensors") return `${pct}${a.done}${a.total === undefined ? "" : `/${a.total}`} tensors`;
  const amount = a.total === undefined ? humanBytes(a.done) : `${humanBytes(a.done)}/${humanBytes(a.total)}`;
  const elapsed = now - a.started;
  if (elapsed < 1000 || a.done === 0) return `${pct}${amount}`;
  const rate = (a.done / elapsed) * 1000;
  const eta = a.total === undefined ? "" : `, ETA ${shortDuration(((a.total - a.done) / rate) * 1000)}`;
  return `${pct}${amount}, ${humanBytes(rate)}/s${eta}`;
}

/** How a finished activity is summed up: `10 MB in 2.1s (4.7 MB/s)`, `200 tensors in 3.0s`. */
export function describeFinished(a: ActivityState, now = Date.now()): string {
  const ms = now - a.started;
  const secs = `${(ms / 1000).toFixed(1)}s`;
  const n = a.total ?? a.done;
  if (a.unit === "tensors") return `${n} tensors in ${secs}`;
  return ms >= 1000 ? `${humanBytes(n)} in ${secs} (${humanBytes((n / ms) * 1000)}/s)` : `${humanBytes(n)} in ${secs}`;
}
