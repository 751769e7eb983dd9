import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fromRoot } from "./paths.js";

/** The environment variable that marks every process a test started (children inherit it). */
const MARK = "MODELSMITH_TEST_MARK";

export interface Started {
  pid: number;
  /** A unique value of MODELSMITH_TEST_MARK in the CLI's environment, and so in its children's. */
  mark: string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | NodeJS.Signals>;
  stderr: () => string;
  stdout: () => string;
  /** Resolves once stderr has a line matching `line`; rejects when the process ends first. */
  untilLine: (line: RegExp) => Promise<void>;
}

/** Starts `modelsmith <args>` as a subprocess (not detached: a signal reaches the CLI alone, as `kill <pid>` does). */
export function startCli(args: string[], o: { cwd: string; env?: Record<string, string> }): Started {
  const mark = randomBytes(8).toString("hex");
  const child = spawn(process.execPath, [fromRoot("bin/modelsmith.js"), ...args], {
    cwd: o.cwd,
    env: { ...process.env, CI: "1", NO_COLOR: "1", ...o.env, [MARK]: mark },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  const waiters: Array<() => void> = [];
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString("utf8");
    for (const w of waiters) w();
  });
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on("close", (code, signal) => resolve(signal ?? code ?? -1)));
  const untilLine = (line: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (line.test(stderr)) resolve();
      };
      waiters.push(check);
      check();
      void exited.then((how) => reject(new Error(`the command ended (${how}) before printing ${line}:\n${stderr}`)));
    });
  return { pid: child.pid!, mark, exited, stderr: () => stderr, stdout: () => stdout, untilLine };
}

/** The processes (pid and command line) whose environment holds MODELSMITH_TEST_MARK=`mark` (Linux /proc). */
export function processesMarked(mark: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      if (!env.includes(`${MARK}=${mark}`)) continue;
      const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, "latin1"))?.[1];
      if (state === "Z") continue; // exited, waiting to be reaped: not running
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0").join(" ").trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Polls until no process carries `mark`, for at most `ms`; returns those left. */
export async function processesLeft(mark: string, ms: number): Promise<Array<{ pid: number; cmdline: string }>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesMarked(mark);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/** The quantizer process (src/quantize/child.ts) the CLI marked `mark` runs. */
export function quantizerOf(mark: string): number | undefined {
  return processesMarked(mark).find((p) => p.cmdline.includes("quantize/child.js"))?.pid;
}
