/**
 * What must be undone when the process is interrupted (SIGINT, SIGTERM,
 * SIGHUP) and exits at once: child processes to kill and synchronous hooks
 * (remove this process's temp files, release the store lock). Domains register
 * here; the CLI's signal handler (src/cli/interrupt.ts) runs `cleanupNow()`
 * and exits. Everything runs synchronously: a signal handler that awaits
 * could be overtaken by the next signal or by another listener's exit.
 */

interface Killable {
  pid?: number | undefined;
  kill(signal?: NodeJS.Signals | number): boolean;
}

const children = new Set<Killable>();
const hooks = new Set<() => void>();

/** Kills `child` (SIGKILL) on interrupt until the returned function is called. */
export function trackChild(child: Killable): () => void {
  children.add(child);
  return () => children.delete(child);
}

/** Runs `hook` on interrupt until the returned function is called. It must be synchronous and must not throw. */
export function onInterruptCleanup(hook: () => void): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Kills the tracked children, then runs every hook (children first: they may hold the temp files open). */
export function cleanupNow(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const hook of [...hooks]) {
    try {
      hook();
    } catch {
      // best effort: the process is exiting
    }
  }
  hooks.clear();
}
