import type { Step } from "./plan.js";
import { QUIET_MS } from "../progress/lines.js";

/** What happens to a step while a plan runs. */
export type StepEvent =
  | { kind: "start"; step: Step }
  /** A quantize step's llama.cpp progress: `done` of `total` tensors. */
  | { kind: "progress"; step: Step; done: number; total: number }
  /** `source`: computed here, or found in the local or the remote build cache (remote-cache.ts). */
  | { kind: "done"; step: Step; cached: boolean; source?: "computed" | "local" | "remote"; ms: number }
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
  if (step.kind === "convert" && step.split) return `join ${step.model} split GGUF (${step.split.parts.length} parts)`;
  if (step.kind === "convert") return step.lora ? `convert ${step.model} ADAPTER ${step.lora.shown}` : `convert ${step.model} ${step.outType}`;
  return step.kind === "quantize" ? `quantize ${step.model} ${step.type}` : `assemble ${step.names.map((n) => `${n.model}:${n.tag}`).join(", ")}`;
}

/**
 * Plain line progress, for logs and CI: one line per finished step, and
 * while a quantization runs, its tensor count when it starts and then each
 * time it crosses another 10% (after its first second) or `everyMs` (default
 * 5 s) passed:
 *
 *     quantize chat Q8_0: 1/12 tensors
 *     quantize chat Q8_0: done in 0.4s
 *     assemble chat:q8_0, chat:latest: cached
 */
export function lineProgress(write: (line: string) => void, everyMs = 5000): ProgressFactory {
  return () => {
    const shown = new Map<string, { at: number; decile: number }>();
    const started = new Map<string, number>();
    return {
      event(e) {
        if (e.kind === "start") started.set(e.step.id, Date.now());
        if (e.kind === "done") write(`${describeStep(e.step)}: ${e.source === "remote" ? `from the remote cache in ${(e.ms / 1000).toFixed(1)}s` : e.cached ? "cached" : `done in ${(e.ms / 1000).toFixed(1)}s`}`);
        else if (e.kind === "failed") write(`${describeStep(e.step)}: failed`);
        else if (e.kind === "progress" && e.done < e.total) {
          const last = shown.get(e.step.id);
          const decile = Math.floor((e.done / e.total) * 10);
          const quiet = Date.now() - (started.get(e.step.id) ?? 0) < QUIET_MS;
          if (last !== undefined && (decile <= last.decile || quiet) && Date.now() - last.at < everyMs) return;
          shown.set(e.step.id, { at: Date.now(), decile });
          write(`${describeStep(e.step)}: ${e.done}/${e.total} tensors`);
        }
      },
      close: async () => {},
    };
  };
}
