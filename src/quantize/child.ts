/**
 * The quantizer process: runs one llama_model_quantize through koffi and
 * reports over IPC (protocol.ts). It runs apart from the main process so that
 * an abort() inside llama.cpp, an out-of-memory kill or a cancellation (the
 * parent kills it) never takes the main process down.
 */
import fs from "node:fs";
import path from "node:path";
import { ModelsmithError } from "../diagnostics/errors.js";
import { openLibllama, type NativeMemory } from "./ffi.js";
import { LlamaLog } from "./llama-log.js";
import { beforeOrphanDeath, dieNow, dieWithParent, PARENT_PID_ENV } from "./parent-death.js";
import type { ChildMessage, ParentMessage, QuantizeJob } from "./protocol.js";

dieWithParent(Number(process.env[PARENT_PID_ENV]));

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

async function run(job: QuantizeJob): Promise<ChildMessage> {
  const lib = openLibllama(job.library);
  const log = new LlamaLog(
    (p) => void send({ type: "progress", ...p }),
    job.forwardLog ? (line) => void send({ type: "log", ...line }) : undefined,
  );
  lib.setLog((level, text) => log.push(level, text));
  lib.backendInit();
  const native: NativeMemory[] = [];
  const params = lib.defaultParams();
  params.ftype = job.ftype;
  params.only_copy = job.onlyCopy;
  params.nthread = job.threads;
  if (job.imatrix !== undefined) {
    const { loadImatrix, imatrixMetadata } = await import("./imatrix.js");
    const imatrix = await loadImatrix(job.imatrix);
    const matrix = lib.encodeImatrix(imatrix.entries);
    const overrides = lib.encodeKvOverrides(imatrixMetadata(imatrix, path.basename(job.imatrix)));
    native.push(matrix, overrides);
    params.imatrix = matrix.pointer;
    params.kv_overrides = overrides.pointer;
  }
  const rc = await lib.quantize(job.input, job.output, params);
  log.end();
  native.forEach((m) => m.free());
  const reason = log.failureReason();
  return { type: "done", rc, ...(reason === undefined ? {} : { reason }), details: log.errorDetails() };
}

process.once("message", (message: ParentMessage) => {
  beforeOrphanDeath(() => fs.rmSync(message.job.output, { force: true }));
  // An orphan (the parent died without killing us) removes its partial output and stops at once:
  // process.exit would wait for llama.cpp's threads.
  process.once("disconnect", () => {
    fs.rmSync(message.job.output, { force: true });
    dieNow();
  });
  run(message.job)
    .catch((e: unknown): ChildMessage => {
      if (e instanceof ModelsmithError) return { type: "error", kind: e.kind === "check" ? "input" : e.kind, diagnostics: e.diagnostics, message: e.message };
      return { type: "error", kind: "internal", diagnostics: [], message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    })
    .then(send)
    .then(() => {
      process.removeAllListeners("disconnect");
      process.exit(0);
    });
});
