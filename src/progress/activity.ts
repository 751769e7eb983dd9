/**
 * Activities: long pieces of work outside the build's step list that a user
 * waits on (a download, generating a test model), told as they go so that a
 * terminal shows a bar and a log shows a line now and then. Domains that do
 * such work take an optional ActivityReporter; the CLI picks the renderer
 * (terminal.ts on a TTY, lines.ts otherwise).
 */

/** What `done` and `total` count: bytes (shown with a rate and an ETA) or tensors. */
export type ActivityUnit = "bytes" | "tensors";

/** One running activity. `update` as often as convenient (renderers throttle); `end` exactly once. */
export interface Activity {
  /** `done` so far, of `total` when known (a later call may learn it). */
  update(done: number, total?: number): void;
  /** Finished (`failed`: it stopped on an error, which is reported elsewhere). */
  end(failed?: boolean): void;
}

/** Starts activities, e.g. `begin("download hf://org/repo/x.gguf", "bytes")`. */
export interface ActivityReporter {
  begin(label: string, unit: ActivityUnit): Activity;
}

const noActivity: Activity = { update() {}, end() {} };

/** A reporter that shows nothing. */
export const silentActivities: ActivityReporter = { begin: () => noActivity };

/**
 * Runs `work` as one activity of `reporter` (none: just runs it), giving it
 * the progress callback `(done, total) => …`; ends the activity however
 * `work` ends.
 */
export async function withActivity<T>(reporter: ActivityReporter | undefined, label: string, unit: ActivityUnit, work: (onProgress: (done: number, total?: number) => void) => Promise<T>): Promise<T> {
  const a = (reporter ?? silentActivities).begin(label, unit);
  try {
    const out = await work((done, total) => a.update(done, total));
    a.end();
    return out;
  } catch (err) {
    a.end(true);
    throw err;
  }
}
