import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { homedir } from "node:os";
import { EnvironmentError, error, InputError, ModelsmithError } from "../diagnostics/index.js";
import type { Store } from "../store/index.js";
import { pullModel, pushManifest, parseRegistryArgument, remoteOf } from "../registry/index.js";
import { field, HttpError, isBoolean, isString, ndjsonStream, readJsonBody, sendJson, type Stream } from "./http.js";
import type { ApiContext } from "./ollama-api.js";

/**
 * Ollama's `/api/pull` and `/api/push` over the registry code of `modelsmith
 * pull` and `push`: the progress as Ollama's api.ProgressResponse lines
 * (`status`, and `digest`, `total`, `completed` for a blob), the last one
 * `{"status":"success"}`; `stream: false` answers the last one alone. A
 * failure before anything was sent is the error object with its status (400
 * bad input, 500 otherwise, as Ollama's waitForStream), after that the
 * stream's last line.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1102-L1210
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/images.go#L931-L1125
 */

export interface Progress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** How often a blob's progress is told while it moves (Ollama's ticker: 60 ms). */
const PROGRESS_EVERY_MS = 60;

/**
 * Runs `work`, its progress streamed as NDJSON (headers sent with the first
 * line, so an early failure still has its status) or, with `stream` false,
 * only the last progress as one JSON answer.
 */
export async function progressAnswer(res: ServerResponse, stream: boolean, work: (send: (p: Progress) => void) => Promise<void>): Promise<void> {
  let out: Stream | undefined;
  let latest: Progress | undefined;
  const send = (p: Progress) => {
    latest = p;
    if (!stream) return;
    out ??= ndjsonStream(res);
    out.send(p);
  };
  try {
    await work(send);
  } catch (err) {
    // Ollama sends a pull's or push's failure without a status: 500 (waitForStream), a missing tag included.
    if (err instanceof ModelsmithError) throw new HttpError(500, err.diagnostics.map((d) => `${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`).join("; "), { cause: err });
    throw err;
  }
  if (stream) (out ?? ndjsonStream(res)).end();
  else sendJson(res, 200, latest ?? {});
}

/** Sends a blob's progress at most every PROGRESS_EVERY_MS, and always its start and its end. */
function throttled(send: (p: Progress) => void): (digest: string, completed: number, total: number, verb: string) => void {
  const last = new Map<string, number>();
  return (digest, completed, total, verb) => {
    const now = Date.now();
    const before = last.get(digest);
    if (before !== undefined && completed < total && now - before < PROGRESS_EVERY_MS) return;
    last.set(digest, now);
    send({ status: `${verb} ${digest.slice(7, 19)}`, digest, total, completed });
  };
}

function requestOf(body: Record<string, unknown>): { name: string; stream: boolean } {
  const name = field(body, "model", isString, "a string") || field(body, "name", isString, "a string") || "";
  if (!name) throw new HttpError(400, "model is required");
  // `insecure`: a loopback registry is reached over http always, any other over https only (decisions.md).
  field(body, "insecure", isBoolean, "true or false");
  return { name, stream: field(body, "stream", isBoolean, "true or false") ?? true };
}

/** The request's name as a registry reference (`host/namespace/model:tag`, `namespace/model`, `model`), as `modelsmith pull` reads it. */
function referenceOf(name: string, role: string) {
  try {
    return parseRegistryArgument(name, role);
  } catch {
    throw new HttpError(400, "invalid model name");
  }
}

/** The stored manifest of `name`, byte for byte; 404 when the store lacks it. */
async function readManifestBytes(store: Store, name: string): Promise<Buffer> {
  try {
    return await readFile((await store.readManifest(name)).path);
  } catch (err) {
    if (err instanceof InputError && err.diagnostics.some((d) => d.code === "MS5102")) throw new HttpError(404, `model ${JSON.stringify(name)} not found`);
    throw err;
  }
}

/**
 * Runs `work` with a signal that aborts when the client hangs up before the
 * answer is finished (its reason is MS8114); what `work` then throws is
 * dropped, since the answer has no one to go to.
 */
export async function untilClientLeaves(res: ServerResponse, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new EnvironmentError(error("MS8114", "the client hung up before the answer was finished; the work was cancelled")));
  };
  res.on("close", onClose);
  try {
    await work(abort.signal);
  } catch (err) {
    // The client is gone: there is no one to tell of the failure its leaving caused (MS8114, or the step's own "interrupted").
    if (!abort.signal.aborted) throw err;
  } finally {
    res.off("close", onClose);
  }
}

/**
 * POST /api/pull {model, insecure, stream}: the model's manifest and blobs
 * into the store, as `modelsmith pull` (resumable, verified as they come).
 */
export async function pull(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const { name, stream } = requestOf(body);
  const ref = referenceOf(name, "pull");
  await untilClientLeaves(res, (signal) =>
    progressAnswer(res, stream, async (send) => {
      send({ status: "pulling manifest" });
      const blob = throttled(send);
      await pullModel(ref, {
        store: ctx.store,
        home: homedir(),
        signal,
        onEvent: (e) => {
          if (e.kind === "have") blob(e.digest, e.size, e.size, "pulling");
          else if (e.kind === "blob") blob(e.digest, e.done, e.total, "pulling");
          else if (e.kind === "writing") {
            // Each blob was verified against its digest before it entered the store (downloadBlob).
            send({ status: "verifying sha256 digest" });
            send({ status: "writing manifest" });
          }
        },
      });
      send({ status: "success" });
    }),
  );
}

/**
 * POST /api/push {model, insecure, stream}: the stored model to the registry
 * its name names (`host/namespace/model:tag`), as `modelsmith push <model>
 * ollama://<model>`: blobs the repository has are skipped, the manifest goes
 * byte for byte.
 */
export async function push(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const { name, stream } = requestOf(body);
  const ref = referenceOf(name, "push");
  await untilClientLeaves(res, (signal) =>
    progressAnswer(res, stream, async (send) => {
      send({ status: "retrieving manifest" });
      const bytes = await readManifestBytes(ctx.store, name);
      const blob = throttled(send);
      await pushManifest(bytes, remoteOf(ref), {
        store: ctx.store,
        home: homedir(),
        signal,
        onProgress: (digest, sent, total) => blob(digest, sent, total, "pushing"),
        onEvent: (e) => blob(e.digest, e.size, e.size, "pushing"),
        onManifest: () => send({ status: "pushing manifest" }),
      });
      send({ status: "success" });
    }),
  );
}
