import { statfs } from "node:fs/promises";
import { EnvironmentError, error } from "../diagnostics/index.js";

/** Bytes an unprivileged process may still write on the file system of `dir`; undefined when statfs is not available there. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a write of `bytes` into `dir` before it starts when the file
 * system has less free space (EnvironmentError MS5109, exit 3): a download
 * or a model that cannot fit fails at once, and leaves nothing behind,
 * instead of filling the disk and failing half way. Unknown free space lets
 * the write go ahead (its own ENOSPC is still MS5109).
 */
export async function ensureFreeSpace(dir: string, bytes: number, what: string): Promise<void> {
  const free = await freeBytes(dir);
  if (free === undefined || bytes <= free) return;
  throw new EnvironmentError(
    error("MS5109", `cannot ${what}: it needs ${formatBytes(bytes)}, and ${dir} has ${formatBytes(free)} free`, {
      hint: "free some space (`modelsmith prune` deletes what no model uses), or set MODELSMITH_HOME to a store on a larger disk",
    }),
  );
}

/** 1536 → "1.5 KiB": exact enough for a message, in binary units as `df -h` prints them. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
