/**
 * A parameter count as Ollama writes `model_type` (format.HumanNumber):
 * `8.0B`, `135M`, `7.2M`, `12K`, `999`. Below 100 of a unit one decimal,
 * from 100 none; thousands always without decimals.
 */
export function humanNumber(n: number): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
  ];
  for (const [size, suffix] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${suffix}`;
    }
  }
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}
