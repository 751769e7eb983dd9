import { fork } from "node:child_process";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError } from "../diagnostics/errors.js";
import type { QuantizerOutcome } from "./binary.js";
import type { LogLine, QuantizeProgress } from "./llama-log.js";
import { trackChild } from "../fsutil/interrupt-cleanup.js";
import { PARENT_PID_ENV } from "./parent-death.js";
import type { ChildMessage, QuantizeJob } from "./protocol.js";

const CHILD = new URL("./child.js", import.meta.url);

export interface RunnerHooks {
  onProgress?: (p: QuantizeProgress) => void;
  onLog?: (line: LogLine) => void;
  signal?: AbortSignal;
  /** Called with the child's pid once it runs (tests kill it to simulate a crash). */
  onSpawn?: (pid: number) => void;
}

/**
 * Runs one job in a fresh quantizer process (child.ts) and waits until that
 * process has exited, so nothing writes the output after this returns.
 * Resolves to llama.cpp's outcome; a child that dies without an answer is
 * EnvironmentError MS5506; an abort kills the child (SIGKILL) and rejects
 * with `signal.reason`.
 */
export function runInChild(job: QuantizeJob, hooks: RunnerHooks): Promise<QuantizerOutcome> {
  return new Promise((resolve, reject) => {
    // execArgv: [] so that the parent's node flags (-e, --inspect, a test runner's) do not run in the child.
    // The child dies with this process however it dies (parent-death.ts), and an interrupt kills it first.
    const child = fork(CHILD, [], { stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "json", execArgv: [], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) } });
    const untrack = trackChild(child);
    let exitGuard: NodeJS.Timeout | undefined;
    let answer: ChildMessage | undefined;
    let stderr = "";
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      child.kill("SIGKILL");
    };
    hooks.signal?.addEventListener("abort", onAbort, { once: true });
    child.stderr?.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString("utf8")).slice(-4000);
    });
    child.on("message", (m: ChildMessage) => {
      if (m.type === "progress") hooks.onProgress?.({ tensorsDone: m.tensorsDone, tensorsTotal: m.tensorsTotal });
      else if (m.type === "log") hooks.onLog?.({ level: m.level, text: m.text });
      else {
        answer = m;
        // Its answer is all we need: a child whose exit then hangs is killed rather than waited for.
        exitGuard = setTimeout(() => child.kill("SIGKILL"), 5000);
        exitGuard.unref();
      }
    });
    child.on("error", (e) => {
      if (!answer) answer = { type: "error", kind: "environment", diagnostics: [error("MS5506", `cannot start the quantizer process: ${e.message}`)], message: e.message };
    });
    child.on("exit", (code, signal) => {
      untrack();
      clearTimeout(exitGuard);
      hooks.signal?.removeEventListener("abort", onAbort);
      if (aborted) return reject(hooks.signal?.reason);
      if (!answer) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const last = stderr.trim().split("\n").slice(-3).join(" | ");
        return reject(new EnvironmentError(error("MS5506", `the quantizer process ${how} before it finished`, last ? { hint: `its last words: ${last}` } : {})));
      }
      if (answer.type === "done") {
        const { rc, reason, details } = answer;
        return resolve({ rc, details, ...(reason === undefined ? {} : { reason }) });
      }
      if (answer.type === "error" && answer.kind === "input") return reject(new InputError(answer.diagnostics));
      if (answer.type === "error" && answer.kind === "environment") return reject(new EnvironmentError(answer.diagnostics));
      return reject(new Error(`quantizer process failed: ${answer.type === "error" ? answer.message : "no answer"}`));
    });
    child.on("spawn", () => {
      if (child.pid !== undefined) hooks.onSpawn?.(child.pid);
    });
    child.send({ type: "job", job });
  });
}
