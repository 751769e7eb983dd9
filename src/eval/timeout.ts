/** A case's time limit when neither it nor the file's `defaults:` sets one (DESIGN.md: 60 s). */
export const DEFAULT_CASE_TIMEOUT_MS = 60_000;

/** The longest `timeout:` accepted: one day. */
const MAX_TIMEOUT_MS = 86_400_000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/**
 * A test case's `timeout:` in milliseconds, or undefined when it is not one:
 *
 *     timeout = seconds / duration
 *     seconds = a number > 0                        ; 30, 0.5
 *     duration = digits [ "." digits ] ( "ms" / "s" / "m" )   ; 500ms, 1.5s, 2m
 *
 * At most one day.
 */
export function parseTimeout(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === "number") ms = value * 1000;
  else if (typeof value === "string") {
    const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(value.trim());
    if (!m) return undefined;
    ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  } else return undefined;
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMEOUT_MS ? ms : undefined;
}

/** "60 s", "500 ms", "1.5 s": how a limit is shown in an error. */
export function formatTimeout(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}
