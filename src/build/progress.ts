import type { Step } from "./plan.js";

/** What happens to a step while a plan runs. */
export type StepEvent =
  | { kind: "start"; step: Step }
  | { kind: "done"; step: Step; cached: boolean; ms: number }
  | { kind: "failed"; step: Step; error: unknown };

/** Receives a run's step events; `close` once the run is over (ok or not). */
export interface Progress {
  event(e: StepEvent): void;
  close(): Promise<void>;
}

/** Makes the Progress of one run, given its steps in plan order. */
export type ProgressFactory = (steps: readonly Step[]) => Progress;

/** How a step is named in progress output: `quantize chat Q8_0`, `assemble chat:q8_0, chat:latest`. */
export function describeStep(step: Step): string {
  return step.kind === "quantize" ? `quantize ${step.model} ${step.type}` : `assemble ${step.names.map((n) => `${n.model}:${n.tag}`).join(", ")}`;
}

/**
 * Plain line progress, for logs and CI: one line per finished step,
 *
 *     quantize chat Q8_0: done in 0.4s
 *     assemble chat:q8_0, chat:latest: cached
 */
export function lineProgress(write: (line: string) => void): ProgressFactory {
  return () => ({
    event(e) {
      if (e.kind === "done") write(`${describeStep(e.step)}: ${e.cached ? "cached" : `done in ${(e.ms / 1000).toFixed(1)}s`}`);
      else if (e.kind === "failed") write(`${describeStep(e.step)}: failed`);
    },
    close: async () => {},
  });
}
