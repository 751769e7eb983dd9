import koffi from "koffi";

/** prctl(2) option: the signal the kernel sends this process when its parent dies. */
const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/** The environment variable that tells the quantizer process its parent's pid. */
export const PARENT_PID_ENV = "MODELSMITH_QUANTIZE_PARENT";

/**
 * Makes this process (the quantizer child) die with its parent, however the
 * parent dies (SIGKILL included, where no handler of the parent runs):
 *
 * 1. On Linux, `prctl(PR_SET_PDEATHSIG, SIGKILL)` through koffi: the kernel
 *    kills us the moment the parent exits. SIGKILL, because a quantizing
 *    process has llama.cpp's worker threads running, and an orderly exit
 *    (process.exit) then hangs in a futex waiting for them.
 * 2. The parent may have died before the prctl took effect: then we were
 *    re-parented, and `process.ppid` is no longer `parentPid`: we die now.
 * 3. Everywhere (and should prctl be unavailable): the ppid is polled every
 *    `pollMs`, on the event loop, which the quantization (an async koffi call
 *    on a worker thread) leaves free.
 *
 * The partial output a killed quantizer leaves is a temp file named after its
 * parent's pid: the next build, `prune`, or the parent's own interrupt handler
 * removes it (src/store/temp-names.ts).
 */
export function dieWithParent(parentPid: number, pollMs = 500): void {
  if (!Number.isInteger(parentPid) || parentPid <= 0) return;
  if (process.platform === "linux") {
    try {
      const libc = koffi.load("libc.so.6");
      const prctl = libc.func("int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)");
      prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    } catch {
      // not glibc: the poll below does it
    }
  }
  const orphaned = () => process.ppid !== parentPid;
  if (orphaned()) dieNow();
  setInterval(() => {
    if (orphaned()) dieNow();
  }, pollMs).unref();
}

/** Ends this process at once, without running exit handlers that could wait for llama.cpp's threads. */
export function dieNow(): never {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL is delivered before kill(2) returns; this line is for the type checker.
  throw new Error("unreachable");
}
