/**
 * Numbers, sizes and ages as Ollama's CLI prints them (ollama/ollama
 * `format/bytes.go`, `format/format.go`, `format/time.go`), so `ls`, `show`
 * and `du` read like `ollama list` and `ollama show`.
 */

/**
 * Bytes in decimal units (1 KB = 1000 B), Ollama's HumanBytes: below 1 KB the
 * exact count ("512 B"); from 10 of a unit no decimals ("47 MB", truncated);
 * below that one decimal unless whole ("4.7 GB", "2 GB").
 */
export function humanBytes(bytes: number): string {
  const units: Array<[number, string]> = [
    [1e12, "TB"],
    [1e9, "GB"],
    [1e6, "MB"],
    [1e3, "KB"],
  ];
  for (const [size, unit] of units) {
    if (bytes < size) continue;
    const value = bytes / size;
    if (value >= 10 || value === Math.trunc(value)) return `${Math.trunc(value)} ${unit}`;
    return `${goFixed(value, 1)} ${unit}`;
  }
  return `${bytes} B`;
}

/** `1 tag`, `2 tags`, `0 tags`: a count with its noun, singular only for one (`plural(2, "entry", "entries")`). */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/**
 * A count (of parameters) as Ollama's HumanNumber prints it, the `parameters`
 * row of `ollama show`.
 * Whole numbers of a unit without decimals ("8B", "135M"), others with one
 * decimal for billions ("7.2B") and two for millions ("7.25M"); thousands
 * always rounded ("12K"); below 1000 the exact count.
 */
export function humanNumber(n: number): string {
  if (n >= 1e9) return whole(n / 1e9) ? `${n / 1e9}B` : `${goFixed(n / 1e9, 1)}B`;
  if (n >= 1e6) return whole(n / 1e6) ? `${n / 1e6}M` : `${goFixed(n / 1e6, 2)}M`;
  if (n >= 1e3) return `${goFixed(n / 1e3, 0)}K`;
  return String(n);
}

/**
 * How long ago `then` was, as `ollama list` prints MODIFIED (docker/go-units
 * HumanDuration + " ago"): "Less than a second ago", "5 seconds ago", "About a
 * minute ago", "12 minutes ago", "About an hour ago", "3 hours ago", "4 days
 * ago", "3 weeks ago", "5 months ago", "2 years ago".
 */
export function humanAge(thenMs: number, nowMs: number): string {
  return `${humanDuration(Math.max(0, nowMs - thenMs))} ago`;
}

function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

function whole(v: number): boolean {
  return v === Math.floor(v);
}

/**
 * Go's `%.Nf`: rounds the exact binary value, half to even. JavaScript's
 * toFixed agrees except on an exact tie, which it rounds up (2.25 -> "2.2" in
 * Go, "2.3" in JS). toFixed(60) is the exact expansion of any double >= 1e-8
 * with room to spare (a double has at most 52 fractional binary digits above 1).
 */
export function goFixed(v: number, digits: number): string {
  const rounded = v.toFixed(digits);
  const exact = v.toFixed(60);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return rounded;
  const kept = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  const lastDigit = Number(kept[kept.length - 1]);
  return lastDigit % 2 === 0 ? kept : rounded;
}
