import koffi from "koffi";

/** prctl(2) option: the signal the kernel sends this process when its parent dies. */
const PR_SET_PDEATHSIG = 1;
const SIGTERM = 15;

/** The environment variable that tells the quantizer process its parent's pid. */
export const PARENT_PID_ENV = "MODELSMITH_QUANTIZE_PARENT";

let lastWords: () => void = () => {};

/** What to do (synchronously) just before dying as an orphan: remove the partial output. */
export function beforeOrphanDeath(fn: () => void): void {
  lastWords = fn;
}

/**
 * Makes this process (the quantizer child) die with its parent, however the
 * parent dies (SIGKILL included, where no handler of the parent runs):
 *
 * 1. On Linux, `prctl(PR_SET_PDEATHSIG, SIGTERM)` through koffi: the kernel
 *    signals us the moment the parent exits. The handler removes the partial
 *    output (`beforeOrphanDeath`) and ends the process with SIGKILL: with
 *    llama.cpp's worker threads running, an orderly exit (process.exit) hung
 *    in a futex. The handler runs on the event loop, which the quantization
 *    (an async koffi call on a worker thread) leaves free.
 * 2. The parent may have died before the prctl took effect: then we were
 *    re-parented, and `process.ppid` is no longer `parentPid`: we die now.
 * 3. Everywhere (and should prctl be unavailable): the ppid is polled every
 *    `pollMs`.
 *
 * SIGTERM from anyone else (a user's `kill`) ends it the same way.
 */
export function dieWithParent(parentPid: number, pollMs = 500): void {
  if (!Number.isInteger(parentPid) || parentPid <= 0) return;
  process.on("SIGTERM", orphaned);
  if (process.platform === "linux") {
    try {
      const libc = koffi.load("libc.so.6");
      const prctl = libc.func("int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)");
      prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    } catch {
      // not glibc: the poll below does it
    }
  }
  if (process.ppid !== parentPid) orphaned();
  setInterval(() => {
    if (process.ppid !== parentPid) orphaned();
  }, pollMs).unref();
}

function orphaned(): never {
  try {
    lastWords();
  } finally {
    dieNow();
  }
}

/** Ends this process at once, without running exit handlers that could wait for llama.cpp's threads. */
export function dieNow(): never {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL is delivered before kill(2) returns; this line is for the type checker.
  throw new Error("unreachable");
}
