import { writeSync } from "node:fs";
import { cleanupNow } from "../fsutil/interrupt-cleanup.js";

/** 128 + the signal's number, the shell's convention (130 for Ctrl-C). */
export const INTERRUPT_EXIT: Record<"SIGINT" | "SIGTERM" | "SIGHUP", number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * For every command that does not handle signals itself (all but `serve` and
 * `watch`, see signals.ts): on SIGINT, SIGTERM or SIGHUP, kill the children,
 * remove this process's temp files and release the store lock
 * (interrupt-cleanup.ts), print one line, `interrupted`, and exit 130, 143 or
 * 129 at once. Registered before any other listener, so it is the one that
 * runs: it exits synchronously. Returns a function that removes the handlers.
 */
export function exitOnInterrupt(): () => void {
  const handler = (signal: NodeJS.Signals) => {
    cleanupNow();
    try {
      // On a terminal, show the cursor again: the progress display hid it, and its own cleanup does not run.
      writeSync(2, `${process.stderr.isTTY ? "\x1b[?25h" : ""}interrupted\n`);
    } catch {
      // stderr is gone (a closed terminal): exit all the same
    }
    process.exit(INTERRUPT_EXIT[signal as keyof typeof INTERRUPT_EXIT] ?? 130);
  };
  const signals = Object.keys(INTERRUPT_EXIT) as NodeJS.Signals[];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * A closed stdout (`modelsmith run … | head`) ends the command quietly: EPIPE
 * on stdout is not an error of ours, and a stack trace after the reader has
 * gone would only land on the terminal. Exits 0 as `yes | head` does in
 * shells that ignore SIGPIPE, after the same cleanup as an interrupt.
 */
const quieted = new WeakSet<NodeJS.WritableStream>();

export function quietOnClosedStdout(stdout: NodeJS.WritableStream = process.stdout): void {
  if (quieted.has(stdout)) return;
  quieted.add(stdout);
  stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    cleanupNow();
    process.exit(0);
  });
}
