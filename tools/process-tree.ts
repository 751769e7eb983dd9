/**
 * The resident memory of a process and its descendants (Linux /proc), for
 * benchmarks and tests that measure a server whose models run in child
 * processes (src/serve/runner/).
 */
import { readdirSync, readFileSync } from "node:fs";

/** The process ids of `pid` and its descendants (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, "utf8").trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // the process has exited
    }
  }
  return out;
}

/** VmRSS of `pid`'s process tree, in bytes. */
export function treeRss(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kib += Number(m[1]);
    } catch {
      // exited between the listing and the read
    }
  }
  return kib * 1024;
}
