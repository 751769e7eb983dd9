import { bar } from "../progress/format.js";
import { LiveRegion, paint, spinner } from "../progress/terminal.js";
import type { Step } from "./plan.js";
import { describeStep, type ProgressFactory } from "./progress.js";

type StepState =
  | { kind: "pending" }
  | { kind: "running"; done?: number; total?: number }
  | { kind: "done"; cached: boolean; remote?: boolean; ms: number }
  | { kind: "failed" };

/**
 * The step list on a terminal, in the live region of `region` (shared with
 * the downloads' bars): one line per step, all listed from the start in plan
 * order. A step waiting its turn is a still `◻`; only a running one spins
 * (so with `-j 1` one spinner at a time), a quantization with its tensors
 * done as a bar. When the run ends, the list is written once more, for good,
 * each step with its own outcome:
 *
 *     ✔ quantize chat Q8_0 (0.4s)
 *     ↓ assemble chat:q8_0, chat:latest (cached)
 *     ✖ quantize chat Q4_0: failed
 *     ◻ assemble chat:q4_0 (not run)
 */
export function ttyProgress(region: LiveRegion, color: boolean): ProgressFactory {
  const c = paint(color);
  return (steps) => {
    const state = new Map<string, StepState>(steps.map((s) => [s.id, { kind: "pending" }]));
    const line = (step: Step, frame: number | undefined): string => {
      const s = state.get(step.id)!;
      const title = describeStep(step);
      switch (s.kind) {
        case "pending":
          return frame === undefined ? c.dim(`◻ ${title} (not run)`) : c.dim(`◻ ${title}`);
        case "running": {
          const tensors = s.total ? ` ${bar(s.done! / s.total)} ${s.done}/${s.total} tensors` : "";
          return `${c.cyan(spinner(frame ?? 0))} ${title}${tensors}`;
        }
        case "done":
          return s.cached ? `${c.yellow("↓")} ${title} ${c.dim(s.remote ? "(remote cache)" : "(cached)")}` : `${c.green("✔")} ${title} ${c.dim(`(${(s.ms / 1000).toFixed(1)}s)`)}`;
        case "failed":
          return `${c.red("✖")} ${title}: failed`;
      }
    };
    const block = region.add((frame) => steps.map((s) => line(s, frame)));
    return {
      event(e) {
        if (e.kind === "start") state.set(e.step.id, { kind: "running" });
        else if (e.kind === "progress") state.set(e.step.id, { kind: "running", done: e.done, total: e.total });
        else if (e.kind === "done") state.set(e.step.id, { kind: "done", cached: e.cached, ...(e.source === "remote" ? { remote: true } : {}), ms: e.ms });
        else state.set(e.step.id, { kind: "failed" });
        if (e.kind !== "progress") block.changed();
      },
      close: async () => block.remove(steps.map((s) => line(s, undefined))),
    };
  };
}
