import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { error } from "../diagnostics/diagnostic.js";
import { EnvironmentError, InputError, ModelsmithError } from "../diagnostics/errors.js";
import { onInterruptCleanup } from "../fsutil/interrupt-cleanup.js";
import { formatBytes, freeBytes } from "../store/free-space.js";
import { findOnPath, runLlamaQuantize, type QuantizerOutcome } from "./binary.js";
import { findLibllama } from "./library.js";
import { runInChild } from "./library-runner.js";
import type { LogLine, QuantizeProgress } from "./llama-log.js";
import { missingImatrixDiagnostic, parseQuantType, type QuantType } from "./types.js";

/**
 * Quantizes a GGUF model with llama.cpp.
 *
 * Which llama.cpp runs (`quantizer: "auto"`, the default), first that exists:
 *  1. libllama of node-llama-cpp's prebuilt package (the pinned version; see
 *     library.ts), called through koffi in a child process;
 *  2. a `llama-quantize` program on PATH;
 *  3. neither: EnvironmentError MS5507.
 * `"library"` and `"binary"` force one (`binary` may name the program).
 *
 * The output appears atomically: llama.cpp writes `.<name>.<random>.partial`
 * beside `output`, renamed to `output` only after success. A failure, a crash
 * or a cancellation removes the partial file and leaves `output` untouched.
 * The same input, type and imatrix give the same bytes (thread count does not
 * matter).
 */
export interface QuantizeOptions {
  input: string;
  output: string;
  /** A type name (any case, e.g. "q4_k_m") or a QuantType. */
  type: string | QuantType;
  /** Threads for llama.cpp; 0 (default) uses every hardware thread. */
  threads?: number;
  /** An importance matrix file (GGUF or legacy .dat from llama-imatrix). */
  imatrix?: string;
  onProgress?: (p: QuantizeProgress) => void;
  /** Every line of llama.cpp's log, for --verbose. */
  onLog?: (line: LogLine) => void;
  /** Cancels: the quantizer is killed, nothing is left behind; rejects with MS5511. */
  signal?: AbortSignal;
  quantizer?: "auto" | "library" | { binary: string };
  /** Tests: the quantizer process's pid once it runs. */
  onSpawn?: (pid: number) => void;
}

export interface QuantizeResult {
  outputSize: number;
  type: QuantType;
  quantizer: "library" | "binary";
}

type Quantizer = { kind: "library"; path: string } | { kind: "binary"; path: string };

/** The quantizer `quantize()` would use, in the documented order. */
export function selectQuantizer(choice: QuantizeOptions["quantizer"] = "auto"): Quantizer {
  if (typeof choice === "object") return { kind: "binary", path: choice.binary };
  const lib = findLibllama();
  if ("path" in lib) return { kind: "library", path: lib.path };
  const binary = choice === "auto" ? findOnPath("llama-quantize") : undefined;
  if (binary) return { kind: "binary", path: binary };
  throw new EnvironmentError(
    error("MS5507", `no quantizer available: ${lib.reason}${choice === "auto" ? ", and no llama-quantize on PATH" : ""}`, {
      hint: "install llama.cpp so that `llama-quantize` is on PATH",
    }),
  );
}

export async function quantize(opts: QuantizeOptions): Promise<QuantizeResult> {
  const type = typeof opts.type === "string" ? parseQuantType(opts.type) : opts.type;
  const noImatrix = missingImatrixDiagnostic(type, opts.imatrix !== undefined);
  if (noImatrix) throw new InputError(noImatrix);
  const input = path.resolve(opts.input);
  const output = path.resolve(opts.output);
  await checkInput(input);
  await checkOutput(input, output);
  const quantizer = selectQuantizer(opts.quantizer);
  if (opts.signal?.aborted) throw interrupted(opts.signal);
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.${randomBytes(6).toString("hex")}.partial`);
  const threads = Math.max(0, Math.floor(opts.threads ?? 0));
  const hooks = {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onLog ? { onLog: opts.onLog } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
  };
  // An interrupt of this process (src/cli/interrupt.ts) kills the quantizer and removes what it wrote.
  const untrack = onInterruptCleanup(() => rmSync(temp, { force: true }));
  try {
    let outcome: QuantizerOutcome;
    try {
      outcome =
        quantizer.kind === "library"
          ? await runInChild(
              { library: quantizer.path, input, output: temp, ftype: type.ftype, onlyCopy: type.onlyCopy, threads, forwardLog: opts.onLog !== undefined, ...(opts.imatrix === undefined ? {} : { imatrix: path.resolve(opts.imatrix) }) },
              hooks,
            )
          : await runLlamaQuantize({ binary: quantizer.path, input, output: temp, typeName: type.name, threads, ...(opts.imatrix === undefined ? {} : { imatrix: path.resolve(opts.imatrix) }) }, hooks);
    } catch (e) {
      if (opts.signal?.aborted) throw interrupted(opts.signal);
      throw e;
    }
    if (opts.signal?.aborted) throw interrupted(opts.signal);
    if (outcome.rc !== 0) throw await failure(input, temp, outcome);
    try {
      await fs.rename(temp, output);
    } catch (e) {
      throw new EnvironmentError(error("MS5510", `cannot write ${output}: ${(e as Error).message}`), { cause: e });
    }
  } finally {
    untrack();
    await fs.rm(temp, { force: true });
  }
  const { size } = await fs.stat(output);
  return { outputSize: size, type, quantizer: quantizer.kind };
}

async function checkInput(input: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(input, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(error("MS5503", `input model not found: ${input}`));
    throw new InputError(error("MS5503", `cannot read input model ${input}: ${(e as Error).message}`), { cause: e });
  }
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString("latin1") !== "GGUF") {
      throw new InputError(error("MS5504", `${input} is not a GGUF file (it does not start with "GGUF")`, { hint: "quantization reads GGUF models; convert other formats with llama.cpp's convert_hf_to_gguf.py first" }));
    }
  } catch (e) {
    if (e instanceof ModelsmithError) throw e;
    throw new InputError(error("MS5503", `cannot read input model ${input}: ${(e as Error).message}`), { cause: e });
  } finally {
    await handle.close();
  }
}

async function checkOutput(input: string, output: string): Promise<void> {
  const [a, b] = await Promise.all([fs.stat(input), fs.stat(output).catch(() => undefined)]);
  if (input === output || (b && a.ino === b.ino && a.dev === b.dev)) {
    throw new InputError(error("MS5509", `input and output are the same file: ${output}`));
  }
  const dir = path.dirname(output);
  try {
    await fs.access(dir, fs.constants.W_OK);
  } catch (e) {
    throw new EnvironmentError(error("MS5510", `cannot write to ${dir}: ${(e as Error).message}`), { cause: e });
  }
}

/**
 * llama.cpp said no: a write error is the environment's fault (a full disk is
 * MS5109, the store's disk error, with the free space left; otherwise MS5510),
 * the rest the input's. llama.cpp reports a failed write only as
 * "basic_ios::clear: iostream error", without errno: the free space on the
 * output's disk, measured before the partial output is removed, tells a full
 * disk apart.
 */
async function failure(input: string, temp: string, outcome: QuantizerOutcome): Promise<ModelsmithError> {
  if (outcome.signal) {
    return new EnvironmentError(error("MS5506", `llama-quantize was killed by ${outcome.signal} before it finished`));
  }
  const reason = outcome.reason ?? `exit code ${outcome.rc}`;
  const hint = outcome.details.length > 0 ? `llama.cpp: ${outcome.details.join("; ")}` : undefined;
  if (/ios_base|iostream|basic_ios|no space/i.test(reason)) {
    const free = await freeBytes(path.dirname(temp));
    const written = await fs.stat(temp).then((s) => s.size, () => 0);
    if (/no space/i.test(reason) || (free !== undefined && free < FULL_DISK_BYTES)) {
      return new EnvironmentError(
        error("MS5109", `cannot write the quantized model: the disk is full (${formatBytes(free ?? 0)} free after ${formatBytes(written)} written; llama.cpp: ${reason})`, {
          file: path.dirname(temp),
          hint: "free some space (`modelsmith prune` deletes what no model uses), then run again",
        }),
      );
    }
  }
  if (/ios_base|iostream|basic_ios|permission denied|read-only/i.test(reason)) {
    return new EnvironmentError(error("MS5510", `cannot write the quantized model: ${reason}`, hint ? { hint } : {}));
  }
  return new InputError(error("MS5505", `llama.cpp could not quantize ${input}: ${reason}`, { file: input, ...(hint ? { hint } : {}) }));
}

/** Free space below which a failed write counts as a full disk: less than llama.cpp's largest write (one tensor) of any model worth quantizing. */
const FULL_DISK_BYTES = 64 * 1024 * 1024;

function interrupted(signal: AbortSignal): EnvironmentError {
  return new EnvironmentError(error("MS5511", "quantization interrupted; no output was written"), { cause: signal.reason });
}
