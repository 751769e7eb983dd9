/**
 * Waits for SIGINT or SIGTERM (or for `failed` to reject), then runs
 * `shutdown` once and resolves when it is done (rejects with the failure, or
 * with shutdown's error). For the long-running commands, `serve` and `watch`.
 * The handlers stay registered until shutdown has finished: proper-lockfile's
 * signal-exit re-sends a signal when it finds no other listener left, which
 * killed the process (exit 143) before it could close.
 */
export async function untilSignal(shutdown: () => Promise<void>, failed?: Promise<unknown>): Promise<void> {
  let onSignal: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let stopping = false;
      onSignal = () => {
        if (stopping) return;
        stopping = true;
        shutdown().then(resolve, reject);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      failed?.catch((err: unknown) => {
        if (stopping) return;
        stopping = true;
        void shutdown().finally(() => reject(err));
      });
    });
  } finally {
    if (onSignal) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}
