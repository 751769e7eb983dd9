import { trackChild } from "../fsutil/interrupt-cleanup.js";
import fs from "node:fs";
import path from "node:path";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError } from "../diagnostics/errors.js";
import { LlamaLog, LOG_LEVEL, type LogLine, type QuantizeProgress } from "./llama-log.js";

/**
 * The fallback quantizer: a `llama-quantize` program (llama.cpp's own tool),
 * run as
 *
 *     llama-quantize [--imatrix FILE] INPUT OUTPUT TYPE THREADS
 *
 * Its log has the same per-tensor lines as the library's, so progress and the
 * failure reason are read the same way. Its flags have been stable across
 * llama.cpp releases; its version is whatever the user installed.
 */
export interface BinaryJob {
  binary: string;
  input: string;
  output: string;
  /** A name llama-quantize accepts, e.g. "Q4_K_M" or "COPY". */
  typeName: string;
  threads: number;
  imatrix?: string;
}

export interface QuantizerOutcome {
  rc: number;
  reason?: string;
  details: string[];
  /** Set when the process died from a signal instead of exiting. */
  signal?: string;
}

/** The argument list for one run (pure). */
export function llamaQuantizeArgs(job: Omit<BinaryJob, "binary">): string[] {
  return [...(job.imatrix === undefined ? [] : ["--imatrix", job.imatrix]), job.input, job.output, job.typeName, String(job.threads)];
}

/** The first executable named `name` in PATH, or undefined. */
export function findOnPath(name: string, envPath: string = process.env["PATH"] ?? ""): string | undefined {
  const exts = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === "") continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export async function runLlamaQuantize(
  job: BinaryJob,
  hooks: { onProgress?: (p: QuantizeProgress) => void; onLog?: (line: LogLine) => void; signal?: AbortSignal },
): Promise<QuantizerOutcome> {
  const log = new LlamaLog(hooks.onProgress, hooks.onLog);
  // llama-quantize records the imatrix file as named on its command line; run it
  // beside the file and name it by its base name, as the library path records it.
  const imatrix = job.imatrix === undefined ? {} : { imatrix: path.basename(job.imatrix) };
  const binary = job.binary.includes(path.sep) ? path.resolve(job.binary) : job.binary;
  const resolved = binary.includes(path.sep) ? binary : findOnPath(binary);
  const unrunnable = resolved === undefined ? "ENOENT" : cannotExecute(resolved);
  if (unrunnable !== undefined) throw new EnvironmentError(error("MS5507", `cannot run ${job.binary}: spawn ${binary} ${unrunnable}`));
  // On Linux it runs under `setpriv --pdeathsig KILL` (util-linux), which sets
  // PR_SET_PDEATHSIG and then execs it: the signal survives the exec, so the
  // kernel kills llama-quantize as soon as this process dies, even by SIGKILL
  // (the library quantizer sets the same flag on itself, parent-death.ts).
  const setpriv = process.platform === "linux" ? findOnPath("setpriv") : undefined;
  const args = llamaQuantizeArgs({ ...job, ...imatrix });
  const [command, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", resolved!, ...args]] : [resolved!, args];
  // Imported here: the fallback is rare, and execa costs every build's start-up 60 ms.
  const { execa } = await import("execa");
  const sub = execa(command, argv, {
    ...(job.imatrix === undefined ? {} : { cwd: path.dirname(job.imatrix) }),
    all: true,
    reject: false,
    stdin: "ignore",
    ...(hooks.signal ? { cancelSignal: hooks.signal } : {}),
    forceKillAfterDelay: 1000,
  });
  // An interrupt kills it (execa's own cleanup runs on exit, too late for a hard exit); a
  // SIGKILL of this process kills it through the parent-death signal above.
  const untrack = trackChild(sub);
  sub.all?.on("data", (chunk: Buffer) => {
    log.push(LOG_LEVEL.info, chunk.toString("utf8"));
  });
  const result = await sub.finally(untrack);
  log.end();
  if (result.exitCode === undefined && result.signal === undefined && !result.isCanceled) {
    // It never ran: not found, not executable.
    throw new EnvironmentError(error("MS5507", `cannot run ${job.binary}: ${result.originalMessage ?? result.shortMessage}`));
  }
  const reason = log.failureReason();
  const details = log.lines.map((l) => l.text.trim()).filter((t) => /\berror\b/i.test(t) && !/failed to quantize/.test(t));
  return {
    rc: result.exitCode ?? 1,
    ...(reason === undefined ? {} : { reason }),
    details,
    ...(result.signal ? { signal: result.signal } : {}),
  };
}

/** Why `file` cannot be executed ("ENOENT", "EACCES"), or undefined when it can. */
function cannotExecute(file: string): string | undefined {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile() ? undefined : "EACCES";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? "ENOENT";
  }
}
