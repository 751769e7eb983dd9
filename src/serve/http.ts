import type { IncomingMessage, ServerResponse } from "node:http";

/** An answer other than 200: its status and message; each API renders it in its own error shape (OpenAI's with `param` and `code` when given). */
export class HttpError extends Error {
  readonly param: string | undefined;
  readonly code: string | undefined;

  constructor(readonly status: number, message: string, options?: { cause?: unknown; param?: string; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.param = options?.param;
    this.code = options?.code;
  }
}

/** Largest request body read (prompts and chat histories; images are not supported). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The request body parsed as a JSON object; 400 when it is not one, 413 when it is too large (told by Content-Length before reading). */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `invalid JSON in the request body: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, "the request body must be a JSON object");
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** A streamed answer: Ollama's NDJSON (one JSON object per line) or OpenAI's server-sent events. */
export interface Stream {
  send(value: unknown): void;
  end(): void;
}

/** One NDJSON line. */
export const ndjsonLine = (v: unknown): string => `${JSON.stringify(v)}\n`;
/** One server-sent event of JSON data. */
export const sseEvent = (v: unknown): string => `data: ${JSON.stringify(v)}\n\n`;

export function ndjsonStream(res: ServerResponse): Stream {
  res.writeHead(200, { "Content-Type": "application/x-ndjson" });
  return {
    send: (v) => void res.write(ndjsonLine(v)),
    end: () => void res.end(),
  };
}

export function sseStream(res: ServerResponse): Stream {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  return {
    send: (v) => void res.write(sseEvent(v)),
    end: () => {
      res.write("data: [DONE]\n\n");
      res.end();
    },
  };
}

/** A field of a request body, checked: undefined when absent, 400 when of the wrong type. */
export function field<T>(body: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new HttpError(400, `\`${name}\` must be ${what}`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === "string";
export const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
export const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
