import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeLlamaCppVersion } from "../quantize/library.js";

/**
 * The thread pool per llama.cpp context (src/runtime/native/threadpool.c,
 * docs/decisions.md "A thread pool per context"): a small library, compiled
 * by `npm run build` where a C compiler is present, that attaches a persistent
 * ggml thread pool to every context node-llama-cpp creates, as llama.cpp's own
 * tools do. It must be loaded into the global symbol scope before
 * node-llama-cpp's addon resolves `llama_init_from_model`, so sharedLlama
 * calls threadpools() before getLlama.
 *
 * Without the library (not built, not Linux, or MODELSMITH_THREADPOOL=0)
 * everything works as before, each graph compute starting its threads afresh.
 */

const require = createRequire(import.meta.url);

/** Where `npm run build` puts the library: its name carries the node-llama-cpp version whose headers it was compiled with. */
export function shimFile(): string {
  return fileURLToPath(new URL(`./native/threadpool-node-llama-cpp-${nodeLlamaCppVersion() ?? "unknown"}.so`, import.meta.url));
}

export type Threadpools =
  | {
      loaded: true;
      file: string;
      /** Contexts that got a pool in this process so far (node-llama-cpp's createContext makes two and frees the first). */
      attached(): number;
      /** Of those, the ones not yet freed. */
      live(): number;
    }
  | { loaded: false; reason: string };

let state: Threadpools | undefined;

/** Loads the library once per process (idempotent); says why not when it cannot. */
export function threadpools(env: NodeJS.ProcessEnv = process.env): Threadpools {
  if (state) return state;
  state = load(env);
  return state;
}

function load(env: NodeJS.ProcessEnv): Threadpools {
  if (env["MODELSMITH_THREADPOOL"] === "0") return { loaded: false, reason: "MODELSMITH_THREADPOOL=0" };
  if (process.platform !== "linux") return { loaded: false, reason: `not available on ${process.platform}` };
  const file = shimFile();
  if (!fs.existsSync(file)) return { loaded: false, reason: `${path.basename(file)} was not built (npm run build compiles it where a C compiler is present)` };
  try {
    const koffi = require("koffi") as typeof import("koffi");
    const lib = koffi.load(file, { global: true });
    const attached = lib.func("int64_t modelsmith_threadpools_attached(void)") as () => number | bigint;
    const live = lib.func("int64_t modelsmith_threadpools_live(void)") as () => number | bigint;
    return { loaded: true, file, attached: () => Number(attached()), live: () => Number(live()) };
  } catch (err) {
    return { loaded: false, reason: `cannot load ${path.basename(file)}: ${(err as Error).message}` };
  }
}
