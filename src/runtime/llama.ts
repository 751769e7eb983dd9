import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { threadpools } from "./threadpool.js";

/** Which llama.cpp backend to load: "auto" picks a GPU backend when one works, false is CPU only. */
export type GpuChoice = "auto" | false;

const instances = new Map<GpuChoice, Promise<Llama>>();

/**
 * One llama.cpp binding per process and backend, shared by every open model
 * (loading the native library twice wastes memory and threads). Never builds
 * from source (`build: "never"`): the prebuilt binaries ship with node-llama-cpp.
 * llama.cpp's own logging is limited to errors, so `run` prints only the answer.
 * The thread pool library (./threadpool.ts) is loaded first, so every context
 * gets a persistent pool as in llama.cpp's own tools.
 */
export function sharedLlama(gpu: GpuChoice): Promise<Llama> {
  let llama = instances.get(gpu);
  if (!llama) {
    threadpools();
    llama = getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error });
    instances.set(gpu, llama);
    llama.catch(() => instances.delete(gpu));
  }
  return llama;
}

/** The backend's name as part of an eval cache key: "llama.cpp/cpu", "llama.cpp/cuda", ... */
export function backendName(llama: Llama): string {
  return `llama.cpp/${llama.gpu === false ? "cpu" : llama.gpu}`;
}

/**
 * The CPU threads a model computes with when neither the request nor
 * PARAMETER num_thread says: MODELSMITH_NUM_THREAD when set to a positive
 * integer (as llama.cpp's tools take LLAMA_ARG_THREADS), else the machine's
 * math cores, at most 4.
 */
export function defaultThreads(llama: Pick<Llama, "cpuMathCores">, env: NodeJS.ProcessEnv = process.env): number {
  const set = Number(env["MODELSMITH_NUM_THREAD"]);
  if (Number.isInteger(set) && set > 0) return set;
  return Math.max(1, Math.min(4, llama.cpuMathCores));
}
