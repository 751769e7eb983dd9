import { error, InputError } from "../diagnostics/index.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in milliseconds from `<number><unit>`, unit one of ms, s, m, h, d
 * (`90s`, `30m`, `1.5h`, `2d`); `0` alone needs no unit. Anything else is
 * InputError MS5305 naming `option`.
 */
export function parseDuration(text: string, option: string): number {
  const t = text.trim();
  if (/^0+(\.0*)?$/.test(t)) return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(t);
  if (!m) throw new InputError(error("MS5305", `invalid duration ${JSON.stringify(text)} for ${option}`, { hint: "write a number and a unit: 0, 90s, 30m, 1h or 2d" }));
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}
