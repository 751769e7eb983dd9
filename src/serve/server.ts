import { timingSafeEqual } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { homedir } from "node:os";
import nodePath from "node:path";
import { EnvironmentError, error, InputError, ModelsmithError } from "../diagnostics/index.js";
import { openModel, type RuntimeModel } from "../runtime/index.js";
import { Store } from "../store/index.js";
import { hostGuard } from "./allowed-host.js";
import { originMatcher, PREFLIGHT_HEADERS } from "./cors.js";
import { HttpError, sendJson, sendText } from "./http.js";
import { ModelHost, type OpenServedModel } from "./model-host.js";
import { defaultMemoryBudget, MemoryBudget } from "./memory-budget.js";
import { openInRunner } from "./runner/runner-model.js";
import * as anthropic from "./anthropic-api.js";
import * as embedApi from "./embed-api.js";
import * as ollama from "./ollama-api.js";
import * as openai from "./openai-api.js";
import * as responsesApi from "./responses-api.js";
import { findRoute, setRouteParams } from "./routes.js";
import { InFlight, stopGracefully } from "./shutdown.js";
import * as createApi from "./create-api.js";
import * as registryApi from "./registry-api.js";
import * as storeApi from "./store-api.js";

export interface ServeOptions {
  storeRoot: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 11434 (Ollama's); 0 picks a free port. */
  port?: number;
  /** When set, every request but `GET /` needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Serve only these models, loaded before the server listens; default every model in the store, loaded on first use. */
  models?: string[];
  /** Sequences per loaded model: requests generating at once (default 4). */
  parallel?: number;
  /** Models loaded at once, least recently used unloaded first (default 3, Ollama's OLLAMA_MAX_LOADED_MODELS). */
  maxLoaded?: number;
  /** Bytes loaded models may take, the least recently used idle one unloaded to make room (default: 90% of the free memory at start). */
  maxMemory?: number;
  /** Requests that may wait for a model or a sequence before a 503 (default 512, Ollama's OLLAMA_MAX_QUEUE). */
  maxQueue?: number;
  /** How a model is loaded; default: in its own runner process (openInRunner), or here with `inProcess`. */
  open?: OpenServedModel;
  /** Load models in this process (no runner processes): a llama.cpp abort then ends the server. */
  inProcess?: boolean;
  /** One line per request (method, path, status, time). */
  log?: (line: string) => void;
  /** Reported by /api/version. */
  version?: string;
  /** Browser origins allowed besides Ollama's defaults (localhost, 127.0.0.1, app://, …); `*` is a wildcard. */
  origins?: string[];
  /** On close, how long requests in flight may run before they are cancelled (default 5000 ms). */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections, lets the requests in flight run for the
   * grace period (ServeOptions.shutdownGraceMs unless given), then cancels
   * those still running (a stream ends with a 503 error line), closes every
   * connection and unloads the models.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

type Handler = (ctx: ollama.ApiContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;
type Api = "ollama" | "openai" | "anthropic";

const ROUTES: Record<string, { api: Api; handler: Handler }> = {
  "POST /api/generate": { api: "ollama", handler: ollama.generate },
  "POST /api/chat": { api: "ollama", handler: ollama.chat },
  "GET /api/tags": { api: "ollama", handler: ollama.tags },
  "POST /api/show": { api: "ollama", handler: ollama.show },
  "GET /api/ps": { api: "ollama", handler: ollama.ps },
  "GET /api/version": { api: "ollama", handler: ollama.version },
  "POST /v1/chat/completions": { api: "openai", handler: openai.chatCompletions },
  "POST /v1/completions": { api: "openai", handler: openai.completions },
  "GET /v1/models": { api: "openai", handler: openai.models },
  "GET /v1/models/:id*": { api: "openai", handler: openai.model },
  "POST /api/embed": { api: "ollama", handler: embedApi.embed },
  "POST /api/embeddings": { api: "ollama", handler: embedApi.embeddings },
  "POST /v1/embeddings": { api: "openai", handler: embedApi.openAiEmbeddings },
  "POST /v1/messages": { api: "anthropic", handler: anthropic.messages },
  "POST /v1/responses": { api: "openai", handler: responsesApi.responses },
  "POST /api/copy": { api: "ollama", handler: storeApi.copy },
  "DELETE /api/delete": { api: "ollama", handler: storeApi.remove },
  "HEAD /api/blobs/:digest": { api: "ollama", handler: storeApi.headBlob },
  "POST /api/blobs/:digest": { api: "ollama", handler: storeApi.createBlob },
  "POST /api/create": { api: "ollama", handler: createApi.create },
  "POST /api/pull": { api: "ollama", handler: registryApi.pull },
  "POST /api/push": { api: "ollama", handler: registryApi.push },
};

/**
 * `modelsmith serve`: Ollama's HTTP API (`/api/generate`, `/api/chat` with
 * tools, `/api/embed`, `/api/embeddings`, `/api/tags`, `/api/show`,
 * `/api/ps`, `/api/version`, `/api/copy`, `/api/delete`,
 * `/api/blobs/:digest`, `/api/create`, `/api/pull`, `/api/push`), OpenAI's (`/v1/chat/completions` with tools,
 * `/v1/completions`, `/v1/embeddings`, `/v1/responses`, `/v1/models`,
 * `/v1/models/{id}`) and Anthropic's `/v1/messages`, over the models of the
 * store, every generation through the runtime, so a model answers as in
 * `run` and `test`. Resolves once it listens; named models are loaded first
 * (an unknown one is the runtime's InputError MS5102). A port in use is
 * EnvironmentError MS8701.
 */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const parallel = Math.max(1, o.parallel ?? 4);
  // Each loaded model in its own runner process (runner/runner-model.ts, whose event loop is lowered as below); `inProcess` loads it here instead.
  // busyEventLoop: the loop that writes every token while the next decode starts runs at a low priority (see lowerEventLoopPriority).
  const open: OpenServedModel =
    o.open ?? (o.inProcess ? (root, name, opts) => openModel(root, name, { ...opts, busyEventLoop: true }) as Promise<RuntimeModel> : (root, name, opts) => openInRunner(root, name, opts));
  const only = o.models?.length ? new Set(o.models.map((m) => ModelHost.key(m))) : undefined;
  const host = new ModelHost(o.storeRoot, open, parallel, only, {
    ...(o.maxLoaded !== undefined ? { maxLoaded: Math.max(1, Math.floor(o.maxLoaded)) } : {}),
    ...(o.maxQueue !== undefined ? { maxQueue: Math.max(0, Math.floor(o.maxQueue)) } : {}),
    budget: new MemoryBudget(o.maxMemory ?? defaultMemoryBudget()),
  });
  const stopping = new AbortController();
  // Every request in flight listens for the shutdown (generateFor removes its listener when done): no limit of 10.
  setMaxListeners(0, stopping.signal);
  const ctx: ollama.ApiContext = { store: new Store(o.storeRoot, { statCache: false }), host, version: o.version ?? "0.0.0", stopping: stopping.signal, ...(o.log ? { log: o.log } : {}) };
  for (const name of o.models ?? []) {
    try {
      (await host.acquire(name, -1)).release();
    } catch (err) {
      await host.close();
      // The store's own error (message and did-you-mean hint), as `run` reports it.
      if (err instanceof HttpError && err.cause instanceof InputError) throw err.cause;
      // The runner died while loading it (llama.cpp aborted, a segfault, an OOM kill): not a missing model.
      if (err instanceof HttpError && err.status === 500) throw new EnvironmentError(error("MS8200", err.message, { hint: "the model's runner process died while loading it; rebuild it with `modelsmith build` (which checks the GGUF), or free memory" }));
      if (err instanceof HttpError) throw new InputError(error("MS5102", err.message, { hint: "list the models with `modelsmith ls`" }));
      throw err;
    }
  }
  const key = o.apiKey === undefined ? undefined : Buffer.from(o.apiKey);
  const originAllowed = originMatcher(o.origins);
  const hostAllowed = hostGuard(o.host ?? "127.0.0.1");

  const inFlight = new InFlight();
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? "/").split("?")[0]!;
    const route = findRoute(ROUTES, req.method ?? "", path);
    inFlight.add(res);
    res.on("finish", () => o.log?.(`${req.method} ${path} ${res.statusCode} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}ms`));
    void handle(req, res, path, route).catch((err) => fail(res, route?.value.api ?? apiOf(path), err, o.log, o.storeRoot));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, route: ReturnType<typeof findRoute<(typeof ROUTES)[string]>>): Promise<void> {
    if (!hostAllowed(req.headers.host)) {
      // As Ollama: a bare 403, nothing about the server.
      res.writeHead(403);
      res.end();
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!originAllowed(origin)) throw new HttpError(403, `origin ${origin} is not allowed: add it with --origins (or MODELSMITH_ORIGINS)`);
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      if (req.method === "OPTIONS") {
        for (const [k, v] of Object.entries(PREFLIGHT_HEADERS)) res.setHeader(k, v);
        res.writeHead(204);
        res.end();
        return;
      }
    }
    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) return sendText(res, 200, "Ollama is running");
    // Anthropic's SDK sends its key as `x-api-key`.
    if (key && !authorized(req.headers.authorization, key) && !(path === "/v1/messages" && sameKey(req.headers["x-api-key"], key))) throw new HttpError(401, "missing or wrong API key: send `Authorization: Bearer <key>`");
    // gin's answer to a route it does not have: a plain-text 404 in either API (never a model_not_found).
    if (!route) return sendText(res, 404, "404 page not found");
    setRouteParams(req, route.params);
    await route.value.handler(ctx, req, res);
  }

  // No idle timeout on kept-alive connections, as Ollama's Go server (an http.Server without IdleTimeout or
  // ReadTimeout). Node's default closes one after 5 s idle; a client that reuses it at that moment gets
  // ECONNRESET (seen in the four-concurrent test under CPU load, when the event loop lags). Clients close
  // their idle sockets first (undici after 4 s), and close() ends every connection.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 11434, o.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (err: NodeJS.ErrnoException) => {
    await host.close();
    throw new EnvironmentError(error("MS8701", `cannot listen on ${o.host ?? "127.0.0.1"}:${o.port ?? 11434}: ${err.code ?? err.message}`, { hint: err.code === "EADDRINUSE" ? "another server listens there: stop it, or pick another --port" : "check --host and --port" }));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (o.port ?? 11434);
  const shownHost = (o.host ?? "127.0.0.1").includes(":") ? `[${o.host}]` : (o.host ?? "127.0.0.1");
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: async (options = {}) => {
      await stopGracefully(server, inFlight, stopping, options.graceMs ?? o.shutdownGraceMs ?? 5000);
      await host.close();
    },
  };
}

/** `Authorization: Bearer <key>`, the scheme in any letter case (RFC 9110 makes it case-insensitive). */
function authorized(header: string | undefined, key: Buffer): boolean {
  const m = /^bearer +(.*)$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  return given.length === key.length && timingSafeEqual(given, key);
}

function sameKey(header: string | string[] | undefined, key: Buffer): boolean {
  if (typeof header !== "string") return false;
  const given = Buffer.from(header);
  return given.length === key.length && timingSafeEqual(given, key);
}

function apiOf(path: string): Api {
  if (path === "/v1/messages") return "anthropic";
  return path.startsWith("/v1/") ? "openai" : "ollama";
}

/**
 * Renders a failure in the API's error shape: an HttpError with its status;
 * the runtime's InputError (a bad option, a template that fails) is 400, an
 * EnvironmentError 500, anything else 500 with the message (and logged). Once
 * a stream has begun, the error goes as its last chunk.
 */
function fail(res: ServerResponse, api: Api, err: unknown, log?: (line: string) => void, storeRoot?: string): void {
  const status = err instanceof HttpError ? err.status : err instanceof InputError ? 400 : 500;
  // A message of our own, without host paths; any other error is a bug whose text (an fs error names its path) goes only to the server's log.
  const message =
    err instanceof ModelsmithError
      ? withoutHostPaths(err.diagnostics.map((d) => `${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`).join("; "), storeRoot)
      : err instanceof HttpError
        ? withoutHostPaths(err.message, storeRoot)
        : "internal error: the server log has the details";
  if (status === 500 && !(err instanceof ModelsmithError)) log?.(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  // A 413 leaves the rest of the body unread: the connection cannot carry another request.
  if (status === 413 && !res.headersSent) res.setHeader("Connection", "close");
  if (res.headersSent) {
    if (!res.writableEnded) {
      res.end(
        api === "openai" ? `data: ${JSON.stringify(openai.openAiError(status, message))}\n\n`
        : api === "anthropic" ? `event: error\ndata: ${JSON.stringify(anthropic.anthropicError(status, message))}\n\n`
        : `${JSON.stringify({ error: message })}\n`,
      );
    }
    return;
  }
  sendJson(res, status, api === "openai" ? openai.openAiError(status, message, err instanceof HttpError ? err : undefined) : api === "anthropic" ? anthropic.anthropicError(status, message) : { error: message });
}

/** `text` with the store root written as $MODELSMITH_HOME and the home directory as ~ (an HTTP client learns nothing of the host's layout). */
export function withoutHostPaths(text: string, storeRoot?: string): string {
  let out = text;
  if (storeRoot) out = out.split(nodePath.resolve(storeRoot)).join("$MODELSMITH_HOME");
  const home = homedir();
  if (home.length > 1) out = out.split(home).join("~");
  return out;
}
