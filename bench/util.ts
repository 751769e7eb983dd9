/**
 * What the benchmarks share: their stderr log, their sizes from environment
 * variables, clocks and number formats, and running one bench file alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { benchTable, type BenchRow } from "./table.js";

/** One line of details on stderr (the table goes to stdout). */
export const log = (line: string) => process.stderr.write(`${line}\n`);

/** A positive integer from the environment variable `name`, else `dflt`; anything else is an error naming it. */
export function positiveIntEnv(name: string, dflt: number): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
}

/** Monotonic seconds. */
export const nowS = () => Number(process.hrtime.bigint()) / 1e9;
export const s = (x: number) => `${x.toFixed(2)} s`;
export const tps = (x: number) => `${x.toFixed(1)} tok/s`;

/**
 * When the module at `moduleUrl` is the script node runs (`node dist/bench/<name>.js`):
 * runs `bench` in a fresh temp dir, prints its table, removes the dir.
 */
export async function runAlone(moduleUrl: string, name: string, bench: (root: string) => Promise<BenchRow[]>): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? "").href) return;
  const root = mkdtempSync(path.join(tmpdir(), `modelsmith-bench-${name}-`));
  try {
    process.stdout.write(`${benchTable(await bench(root))}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
