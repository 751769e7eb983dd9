import type { ActivityReporter } from "./activity.js";
import { lineActivities } from "./lines.js";
import { LiveRegion, terminalActivities } from "./terminal.js";

/** Where a command shows its activities, and how it writes a line beside them without breaking a bar. */
export interface ActivityDisplay {
  activity: ActivityReporter;
  log(line: string): void;
  /** The live region, on a terminal (a build's step list shares it). */
  region?: LiveRegion;
  color: boolean;
}

/**
 * On a terminal (stderr a TTY, `CI` unset): bars in a live region, coloured
 * unless `NO_COLOR`. Otherwise plain lines through `write`, every 10% or 5 s.
 */
export function activityDisplay(stderr: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv, write: (line: string) => void): ActivityDisplay {
  const color = !env.NO_COLOR;
  if (stderr.isTTY && !env.CI) {
    const region = new LiveRegion(stderr);
    return { activity: terminalActivities(region, color), log: (line) => region.log(line), region, color };
  }
  return { activity: lineActivities(write), log: write, color: false };
}
