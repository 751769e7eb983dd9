import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeLlamaCppVersion } from "../quantize/library.js";

/**
 * Decodes and samples on the JavaScript thread (src/runtime/native/on-thread.cc,
 * docs/decisions.md "Decodes on the runner's own thread"): a small N-API
 * module, compiled by `npm run build` where a C++ compiler and node's headers
 * are present, that does what node-llama-cpp's addon does on a libuv worker,
 * on the calling thread. openModel uses it for a runner's model
 * (`decodeOnThread`), through sample-guard.ts; everywhere else, and without
 * the module (not built, not Linux, or MODELSMITH_DECODE_ON_THREAD=0),
 * node-llama-cpp's own workers do it, as before.
 */

const require = createRequire(import.meta.url);

/** Where `npm run build` puts the module: its name carries the node-llama-cpp version whose addon headers it was compiled with. */
export function onThreadFile(): string {
  return fileURLToPath(new URL(`./native/on-thread-node-llama-cpp-${nodeLlamaCppVersion() ?? "unknown"}.node`, import.meta.url));
}

/**
 * Where node's own N-API headers (node_api.h) are, which the module is compiled against: beside the node binary, as the
 * official builds install them, or where Debian's packages do; undefined when neither has them.
 */
export function nodeHeaderDir(): string | undefined {
  return [path.join(path.dirname(process.execPath), "..", "include", "node"), "/usr/include/node"].find((d) => fs.existsSync(path.join(d, "node_api.h")));
}

/** The module's functions; each answers undefined, having done nothing, when the caller should use the addon's own. */
export interface OnThread {
  /** llama_decode and llama_synchronize on the native context's batch, when it holds at most maxTokens: llama_decode's status. */
  decode(nativeContext: object, maxTokens: number): number | undefined;
  /** The addon's sampling of one token without probabilities: the token, or -1 when the logits give none. */
  sample(nativeContext: object, batchLogitIndex: number, nativeSampler: object): number | undefined;
  /**
   * One token of one sequence from start to end: `token` decoded alone at `position` of sequence `sequenceId`, then the
   * next token sampled from its logits as `sample` does: that token, or -1 when the logits give none. Throws the addon's
   * error when the decode fails.
   */
  step(nativeContext: object, sequenceId: number, nativeSampler: object, position: number, token: number): number | undefined;
}

export type OnThreadState = { loaded: true; file: string; lib: OnThread } | { loaded: false; reason: string };

let state: OnThreadState | undefined;

/** Loads the module once per process (idempotent); says why not when it cannot or MODELSMITH_DECODE_ON_THREAD=0 says not to. */
export function onThread(env: NodeJS.ProcessEnv = process.env): OnThreadState {
  if (env["MODELSMITH_DECODE_ON_THREAD"] === "0") return { loaded: false, reason: "MODELSMITH_DECODE_ON_THREAD=0" };
  state ??= load();
  return state;
}

function load(): OnThreadState {
  if (process.platform !== "linux") return { loaded: false, reason: `not available on ${process.platform}` };
  const file = onThreadFile();
  if (!fs.existsSync(file)) return { loaded: false, reason: `${path.basename(file)} was not built (npm run build compiles it where a C++ compiler and node's headers are present)` };
  try {
    const lib = require(file) as Partial<OnThread>;
    if (typeof lib.decode !== "function" || typeof lib.sample !== "function" || typeof lib.step !== "function") return { loaded: false, reason: `${path.basename(file)} lacks decode, sample or step` };
    return { loaded: true, file, lib: lib as OnThread };
  } catch (err) {
    return { loaded: false, reason: `cannot load ${path.basename(file)}: ${(err as Error).message}` };
  }
}
