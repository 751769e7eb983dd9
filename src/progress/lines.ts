import type { Activity, ActivityReporter, ActivityUnit } from "./activity.js";
import { describeFinished, describeProgress, fractionOf, type ActivityState } from "./format.js";

/**
 * Activities as plain lines, for logs and CI (stderr not a terminal, or `CI`
 * set): a line when it starts, then whenever it crosses another 10% or
 * `everyMs` (default 5 s) passed since its last line, and one when it ends:
 *
 *     download https://host/x.gguf: started
 *     download https://host/x.gguf:  40% 4 MB/10 MB, 3.9 MB/s, ETA 2s
 *     download https://host/x.gguf: done, 10 MB in 2.6s (3.8 MB/s)
 *
 * Work done within its first second gets no 10% lines: a log needs no ten
 * lines about a tenth of a second.
 */
/** How long work runs before its 10% lines start. */
export const QUIET_MS = 1000;

export function lineActivities(write: (line: string) => void, everyMs = 5000, now: () => number = Date.now): ActivityReporter {
  return {
    begin(label: string, unit: ActivityUnit): Activity {
      const s: ActivityState = { label, unit, done: 0, started: now() };
      let lastAt = s.started;
      let lastDecile = 0;
      let ended = false;
      write(`${label}: started`);
      return {
        update(done, total) {
          if (ended) return;
          s.done = done;
          if (total !== undefined) s.total = total;
          const f = fractionOf(s);
          const decile = f === undefined ? lastDecile : Math.floor(f * 10);
          const t = now();
          if ((decile > lastDecile && (f ?? 0) < 1 && t - s.started >= QUIET_MS) || t - lastAt >= everyMs) {
            lastDecile = decile;
            lastAt = t;
            write(`${label}: ${describeProgress(s, t)}`);
          }
        },
        end(failed) {
          if (ended) return;
          ended = true;
          write(failed ? `${label}: failed` : `${label}: done, ${describeFinished(s, now())}`);
        },
      };
    },
  };
}
