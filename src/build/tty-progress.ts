import { Listr, ListrLogger, ProcessOutput } from "listr2";
import { describeStep, type ProgressFactory } from "./progress.js";

/**
 * Progress as a listr2 task list on a terminal (written to `stream`): one task
 * per step, all listed from the start, each spinning while it runs and
 * marked done, cached (skipped) or failed. Steps a failure kept from starting
 * end as skipped.
 */
export function ttyProgress(stream: NodeJS.WriteStream): ProgressFactory {
  return (steps) => {
    const settle = new Map<string, { done: (cached: boolean) => void; fail: (e: unknown) => void }>();
    const list = new Listr(
      steps.map((step) => ({
        title: describeStep(step),
        task: (_ctx: unknown, task: { skip: (message?: string) => void }) =>
          new Promise<void>((resolve, reject) => {
            settle.set(step.id, {
              done: (cached) => {
                if (cached) task.skip(`${describeStep(step)} (cached)`);
                resolve();
              },
              fail: reject,
            });
          }),
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }) } },
    );
    const running = list.run().catch(() => {});
    return {
      event(e) {
        const s = settle.get(e.step.id);
        if (e.kind === "done") s?.done(e.cached);
        else if (e.kind === "failed") s?.fail(e.error);
      },
      async close() {
        for (const [, s] of settle) s.done(true);
        await running;
      },
    };
  };
}
