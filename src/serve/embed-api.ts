import type { IncomingMessage, ServerResponse } from "node:http";
import { field, HttpError, isArray, isBoolean, isNumber, isObject, isString, readJsonBody, sendJson } from "./http.js";
import { keepAliveMs } from "./keep-alive.js";
import type { ApiContext } from "./ollama-api.js";

/**
 * Embeddings as Ollama answers them: `/api/embed` (inputs, truncation,
 * L2-normalized vectors, `dimensions`), the legacy `/api/embeddings` (one
 * prompt, the raw vector) and OpenAI's `/v1/embeddings` (over /api/embed, as
 * Ollama's middleware does).
 */

const nowNs = () => Number(process.hrtime.bigint());

/**
 * Ollama's normalize: the vector over its L2 norm (at least 1e-12); a NaN or
 * infinite value is an error.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1026-L1040
 */
export function normalize(vec: readonly number[]): number[] {
  let sum = 0;
  for (const v of vec) {
    if (!Number.isFinite(v)) throw new HttpError(400, "embedding contains NaN or Inf values");
    sum += v * v;
  }
  const norm = 1 / Math.max(Math.sqrt(sum), 1e-12);
  return vec.map((v) => Math.fround(v * norm));
}

/** `input`: a string (none when empty) or an array of strings; Ollama's 400 `invalid input type` otherwise. */
function inputsOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (isString(v)) return v.length > 0 ? [v] : [];
  if (isArray(v)) {
    if (!v.every(isString)) throw new HttpError(400, "invalid input type");
    return v;
  }
  throw new HttpError(400, "invalid input type");
}

interface Embedded {
  embeddings: number[][];
  promptTokens: number;
  loadNs: number;
  totalNs: number;
}

/**
 * Embeds `inputs` with a lent model: each vector normalized, then, when
 * `dimensions` is smaller than the model's, cut to it and normalized again
 * (Ollama's EmbedHandler). No inputs: the model is loaded, nothing embedded.
 */
async function embedInputs(ctx: ApiContext, model: string, inputs: string[], o: { truncate?: boolean; dimensions?: number; keepAlive?: number | undefined; numCtx?: number | undefined; normalized: boolean }): Promise<Embedded> {
  const started = nowNs();
  // The request's num_ctx loads the model with that context (as a generation's does), so inputs are cut to it.
  const lease = await ctx.host.acquire(model, o.keepAlive, o.numCtx);
  const loadNs = nowNs() - started;
  try {
    if (inputs.length === 0) return { embeddings: [], promptTokens: 0, loadNs, totalNs: nowNs() - started };
    if (!lease.model.embed) throw new HttpError(501, `model ${JSON.stringify(model)} cannot embed on this server`);
    const r = await lease.model.embed(inputs, o.truncate === undefined ? {} : { truncate: o.truncate });
    const embeddings = r.embeddings.map((e) => {
      if (!o.normalized) return e;
      const n = normalize(e);
      return o.dimensions !== undefined && o.dimensions > 0 && o.dimensions < n.length ? normalize(n.slice(0, o.dimensions)) : n;
    });
    return { embeddings, promptTokens: r.promptTokens, loadNs, totalNs: nowNs() - started };
  } finally {
    lease.release();
  }
}

function requireModel(body: Record<string, unknown>, message: string): string {
  const model = field(body, "model", isString, "a string");
  if (!model) throw new HttpError(400, message);
  return model;
}

/**
 * `options.num_ctx` of an embedding request: the context the model is loaded
 * with, and so the length inputs are truncated to (Ollama's EmbedHandler,
 * `ctxLen = min(opts.NumCtx, ctxLen)`); a value that is not a positive integer
 * is left to the model's own.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L889-L897
 */
function numCtxOf(body: Record<string, unknown>): number | undefined {
  const options = field(body, "options", isObject, "an object");
  const n = options?.num_ctx;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}

function dimensionsOf(body: Record<string, unknown>): number | undefined {
  const d = field(body, "dimensions", isNumber, "an integer");
  if (d !== undefined && !Number.isInteger(d)) throw new HttpError(400, "`dimensions` must be an integer");
  return d;
}

/**
 * POST /api/embed
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L795-L1023
 */
export async function embed(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body, "model is required");
  const inputs = inputsOf(body.input);
  const truncate = field(body, "truncate", isBoolean, "true or false");
  const dimensions = dimensionsOf(body);
  const e = await embedInputs(ctx, model, inputs, { ...(truncate !== undefined ? { truncate } : {}), ...(dimensions !== undefined ? { dimensions } : {}), keepAlive: keepAliveMs(body.keep_alive), numCtx: numCtxOf(body), normalized: true });
  // api.EmbedResponse: the durations and prompt_eval_count are omitempty.
  sendJson(res, 200, {
    model,
    embeddings: e.embeddings,
    ...(inputs.length > 0 ? { total_duration: e.totalNs, load_duration: e.loadNs } : {}),
    ...(e.promptTokens > 0 ? { prompt_eval_count: e.promptTokens } : {}),
  });
}

/**
 * POST /api/embeddings (legacy): one `prompt`, its vector as the model gives
 * it (not normalized); an empty prompt loads the model and answers `[]`.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/routes.go#L1042-L1095
 */
export async function embeddings(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body, "model is required");
  const prompt = field(body, "prompt", isString, "a string") ?? "";
  const e = await embedInputs(ctx, model, prompt === "" ? [] : [prompt], { keepAlive: keepAliveMs(body.keep_alive), numCtx: numCtxOf(body), normalized: false });
  sendJson(res, 200, { embedding: e.embeddings[0] ?? [] });
}

/**
 * POST /v1/embeddings: Ollama's EmbeddingsMiddleware over /api/embed
 * (`encoding_format` float or base64 of little-endian float32, an empty
 * string input embedded as [""], no input or an empty list a 400 `invalid
 * input`) and ToEmbeddingList's answer.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/middleware/openai.go#L395-L445
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/openai/openai.go#L472-L511
 */
export async function openAiEmbeddings(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const model = requireModel(body, "`model` is required");
  const format = field(body, "encoding_format", isString, "a string") ?? "";
  if (format !== "" && format.toLowerCase() !== "float" && format.toLowerCase() !== "base64") {
    throw new HttpError(400, `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`, { param: "encoding_format" });
  }
  let input = body.input;
  if (input === "") input = [""];
  if (input === undefined || input === null || (isArray(input) && input.length === 0)) throw new HttpError(400, "invalid input", { param: "input" });
  const inputs = inputsOf(input);
  const dimensions = dimensionsOf(body);
  const e = await embedInputs(ctx, model, inputs, { ...(dimensions !== undefined ? { dimensions } : {}), normalized: true });
  const base64 = format.toLowerCase() === "base64";
  sendJson(res, 200, {
    object: "list",
    data: e.embeddings.map((v, index) => ({ object: "embedding", embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v, index })),
    model,
    usage: { prompt_tokens: e.promptTokens, total_tokens: e.promptTokens },
  });
}
