import type { ActivityReporter } from "../progress/activity.js";
import { activityDisplay } from "../progress/display.js";
import { lineProgress, type ProgressFactory } from "./progress.js";
import { ttyProgress } from "./tty-progress.js";

/** How a build shows what it does: the step list, and the activities around it (downloads, generated test models). */
export interface BuildDisplay {
  progress: ProgressFactory;
  activity: ActivityReporter;
}

/**
 * On a terminal (stderr a TTY and `CI` unset): one live region for the
 * downloads' bars and the step list. Otherwise plain lines through `write`,
 * every 10% or 5 s of a long piece of work.
 */
export function buildDisplay(stderr: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv, write: (line: string) => void): BuildDisplay {
  const d = activityDisplay(stderr, env, write);
  return { progress: d.region ? ttyProgress(d.region, d.color) : lineProgress(write), activity: d.activity };
}
