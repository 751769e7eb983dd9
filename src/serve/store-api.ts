import type { IncomingMessage, ServerResponse } from "node:http";
import { InputError, ModelsmithError } from "../diagnostics/index.js";
import { removeModels } from "../inspect/index.js";
import { parseModelName, tryParseDigest } from "../store/index.js";
import { field, HttpError, isString, readJsonBody } from "./http.js";
import type { ApiContext } from "./ollama-api.js";
import { routeParam } from "./routes.js";

/**
 * Ollama's store endpoints over the store, through the same domain functions
 * as `modelsmith cp` and `rm`: /api/copy, DELETE /api/delete, HEAD and POST
 * /api/blobs/:digest. Statuses and messages as Ollama's handlers give them.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go
 */

/** Ollama answers these with a bare status. */
const ok = (res: ServerResponse, status = 200) => {
  res.writeHead(status, { "Content-Length": 0 });
  res.end();
};

const isMissing = (err: unknown) => err instanceof InputError && err.diagnostics.some((d) => d.code === "MS5102");

/** A name the store's grammar takes; 400 `<what> "x" is invalid` otherwise (Ollama's CopyHandler). */
function validName(name: string, what: string): string {
  try {
    parseModelName(name);
    return name;
  } catch (err) {
    if (err instanceof ModelsmithError) throw new HttpError(400, `${what} ${JSON.stringify(name)} is invalid`);
    throw err;
  }
}

/** POST /api/copy {source, destination}: the source's manifest under a new name (`modelsmith cp`); 200, empty. */
export async function copy(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const source = validName(field(body, "source", isString, "a string") ?? "", "source");
  const destination = validName(field(body, "destination", isString, "a string") ?? "", "destination");
  if (!ctx.host.serves(source)) throw new HttpError(404, `model ${JSON.stringify(source)} not found`);
  try {
    const stored = await ctx.store.readManifest(source);
    await ctx.store.copyManifest(stored.name, destination);
  } catch (err) {
    if (isMissing(err)) throw new HttpError(404, `model ${JSON.stringify(source)} not found`);
    throw err;
  }
  ok(res);
}

/** DELETE /api/delete {model}: the manifest, then the blobs no other model uses (`modelsmith rm`); 200, empty. */
export async function remove(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const given = field(body, "model", isString, "a string") ?? field(body, "name", isString, "a string") ?? "";
  const name = (() => {
    try {
      return validName(given, "name");
    } catch {
      throw new HttpError(400, `name ${JSON.stringify(given)} is invalid`);
    }
  })();
  if (!ctx.host.serves(name)) throw new HttpError(404, `model '${name}' not found`);
  try {
    const r = await removeModels(ctx.store, [name]);
    for (const w of r.warnings) ctx.log?.(`warning[${w.code}]: ${w.message}`);
  } catch (err) {
    if (isMissing(err)) throw new HttpError(404, `model '${name}' not found`);
    throw err;
  }
  ok(res);
}

/** The route's digest, `sha256:<hex>` or `sha256-<hex>`; 400 otherwise (Ollama's BlobsPath). */
function digestParam(req: IncomingMessage): string {
  const d = tryParseDigest(routeParam(req, "digest"));
  if (!d) throw new HttpError(400, "invalid digest format");
  return d;
}

/** HEAD /api/blobs/:digest: 200 when the store has the blob, else 404. */
export async function headBlob(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const digest = digestParam(req);
  if (!(await ctx.store.hasBlob(digest))) throw new HttpError(404, `blob ${JSON.stringify(routeParam(req, "digest"))} not found`);
  ok(res);
}

/**
 * POST /api/blobs/:digest: stores the body as a blob, verified against the
 * digest before it enters the store (a mismatch stores nothing: 400 `digest
 * mismatch`); 201, or 200 when the store already had it (body not read).
 * No size limit: a blob is a model's weights, streamed to disk as it comes.
 */
export async function createBlob(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const digest = digestParam(req);
  if (await ctx.store.hasBlob(digest)) {
    req.resume();
    return ok(res, 200);
  }
  try {
    await ctx.store.putBlobFromStream(req as AsyncIterable<Buffer>, { expectedDigest: digest });
  } catch (err) {
    const mismatch = err instanceof ModelsmithError && err.diagnostics.find((d) => d.code === "MS5104");
    if (mismatch) {
      const got = /has digest (sha256:[0-9a-f]{64})/.exec(mismatch.message)?.[1] ?? "another digest";
      throw new HttpError(400, `digest mismatch, expected ${JSON.stringify(routeParam(req, "digest"))}, got ${JSON.stringify(got)}`);
    }
    throw err;
  }
  ok(res, 201);
}
