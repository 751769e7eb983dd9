import { HttpError } from "./http.js";

/** The longest delay Node's setTimeout takes (2^31-1 ms, about 24.8 days); a longer one would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const MAX_DURATION_NS = 2 ** 63 - 1;

/**
 * Ollama's `keep_alive` (api.Duration.UnmarshalJSON) in milliseconds:
 * a JSON number is seconds, a string is a Go duration ("5m", "1h30m", "0",
 * "-1s"), a negative value of either keeps the model loaded (-1 here).
 * Undefined when absent (the model keeps its current keep_alive).
 *
 * Where it parts from Ollama on purpose: a delay longer than a Node timer
 * can wait (MAX_TIMER_MS, ~24.8 days) also means "keep loaded", instead of
 * overflowing the timer (which unloads at once). Anything else is a 400 with
 * Go's own message, raised before the model is loaded.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go#L1243-L1270
 */
export function keepAliveMs(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  let ns: number;
  if (typeof v === "number" && Number.isFinite(v)) ns = v * 1e9;
  else if (typeof v === "string") ns = parseGoDuration(v);
  else throw new HttpError(400, `Unsupported type: '${goTypeName(v)}'`);
  if (ns < 0) return -1;
  const ms = Math.round(ns / 1e6);
  return ms > MAX_TIMER_MS ? -1 : ms;
}

/**
 * Go's time.ParseDuration, in nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`
 * with units ns, us (µs, μs), ms, s, m, h; "0" alone needs no unit. Throws a
 * 400 with Go's message ("time: missing unit in duration \"10\"").
 * https://github.com/golang/go/blob/go1.24.0/src/time/format.go#L1590-L1690
 */
export function parseGoDuration(s: string): number {
  const quoted = JSON.stringify(s);
  const invalid = () => new HttpError(400, `time: invalid duration ${quoted}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const [whole = "", frac] = [m[1], m[2]];
    if (whole === "" && (frac === undefined || frac === "")) throw invalid();
    rest = rest.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw new HttpError(400, `time: missing unit in duration ${quoted}`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new HttpError(400, `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    rest = rest.slice(unit.length);
    total += Number(`${whole || "0"}.${frac ?? ""}0`) * scale;
    if (total > MAX_DURATION_NS) throw invalid();
  }
  return sign * total;
}

function goTypeName(v: unknown): string {
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  return typeof v;
}
