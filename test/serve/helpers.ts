import { Ollama } from "ollama";
import OpenAI from "openai";
import { openModel } from "../../src/runtime/index.js";
import { openInRunner } from "../../src/serve/runner/runner-model.js";
import { startServer, type RunningServer, type ServeOptions } from "../../src/serve/index.js";
import { oracleContinuation, oracleLlama, randomLlama, type OracleLlamaSpec } from "../../src/testmodels/index.js";
import type { Store } from "../../src/store/index.js";
import { TINY_RANDOM } from "../testmodels/specs.js";
import { storeModel, tempStore, type ModelLayersInput } from "../runtime/store-model.js";

/**
 * The runtime's openModel on one CPU thread: the CI machine has 2 cores and runs
 * 2 test files at once.
 */
export const openOneThread: NonNullable<ServeOptions["open"]> = (root, name, o) => openModel(root, name, { ...o, threads: 1, gpu: false });

/** The same in a runner process, as `modelsmith serve` loads models: what every server test uses. */
export const runnerOneThread: NonNullable<ServeOptions["open"]> = (root, name, o) => openInRunner(root, name, { ...o, threads: 1, gpu: false });

/** Go template of "oracle-eos": SYSTEM then the prompt, back to back. */
export const EOS_TEMPLATE = "{{ .System }}{{ .Prompt }}";
export const EOS_SYSTEM = "The lazy dog.";
export const EOS_SPEC: OracleLlamaSpec = { endWithEos: true };
/** "oracle" never emits EOS, so its answers end at num_predict ("length"). */
export const CYCLING_SPEC: OracleLlamaSpec = { endWithEos: false };

/**
 * The models every server test stores:
 * - oracle: recites "The quick brown fox jumps over the lazy dog." forever (greedy), 12 tokens per answer;
 * - oracle-eos: the same sentence, then EOS (done_reason "stop"), with a TEMPLATE and a SYSTEM;
 * - random: random weights, for FORMAT json (its text is not known in advance).
 */
export const TEST_MODELS: Record<string, ModelLayersInput> = {
  oracle: { gguf: oracleLlama(CYCLING_SPEC), params: { temperature: 0, num_predict: 12, num_ctx: 512 } },
  "oracle-eos": { gguf: oracleLlama(EOS_SPEC), template: EOS_TEMPLATE, system: EOS_SYSTEM, params: { temperature: 0, num_predict: 40, num_ctx: 512 } },
  random: { gguf: randomLlama(TINY_RANDOM), params: { num_ctx: 512 } },
};

/** What "oracle" answers to `prompt` (the chat template leaves a lone prompt as it is): the pieces' text, as Ollama streams it. */
export const oracleText = (prompt: string, n = 12) => oracleContinuation(CYCLING_SPEC, prompt, n).rawText;
/** Prompt tokens (BOS included) of `text` as llama.cpp tokenizes it for the oracle. */
export const oracleTokens = (text: string) => oracleContinuation(CYCLING_SPEC, text, 0).promptTokens.length;

export interface ServeEnv {
  root: string;
  store: Store;
  /** Manifest digests ("sha256:…") by model name. */
  digests: Record<string, string>;
  /** The lines the servers started by `start` logged, in order. */
  logs: string[];
  /** Starts a server on this store on a free port (closed by `cleanup`). */
  start(options?: Partial<ServeOptions>): Promise<RunningServer>;
  cleanup(): Promise<void>;
}

/** A temp store holding `models`, and a way to start servers over it. */
export async function serveEnv(models: Record<string, ModelLayersInput> = TEST_MODELS): Promise<ServeEnv> {
  const env = await tempStore();
  const digests: Record<string, string> = {};
  for (const [name, input] of Object.entries(models)) digests[name] = await storeModel(env.store, name, input);
  const servers: RunningServer[] = [];
  const logs: string[] = [];
  return {
    root: env.root,
    store: env.store,
    digests,
    logs,
    start: async (options = {}) => {
      const started = await startServer({ storeRoot: env.root, port: 0, host: "127.0.0.1", open: runnerOneThread, log: (line) => logs.push(line), ...options });
      let closing: Promise<void> | undefined;
      // A test may close its server early; cleanup closes the rest, each once.
      const server: RunningServer = { url: started.url, port: started.port, close: () => (closing ??= started.close()) };
      servers.push(server);
      return server;
    },
    cleanup: async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await env.cleanup();
    },
  };
}

/** The official Ollama client, as a user would make one. */
export const ollamaClient = (server: RunningServer, headers?: Record<string, string>) => new Ollama({ host: server.url, ...(headers ? { headers } : {}) });

/** The error an `openai` client call fails with. */
export async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error("expected the request to fail");
}

/** The official OpenAI client, as a user would point it at a local server (no retries: an error shows at once). */
export const openaiClient = (server: RunningServer, apiKey = "k") => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

/** The status and error body of an `ollama` client call that must fail (its ResponseError is not exported). */
export async function ollamaFailure(p: Promise<unknown>): Promise<{ status: number; error: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name?: string; status_code?: number; error?: string };
    if (e.name !== "ResponseError") throw err;
    return { status: e.status_code ?? -1, error: e.error ?? "" };
  }
  throw new Error("expected the request to fail");
}

/** A raw HTTP request; the body as text and, when it parses, as JSON. */
export async function request(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs `body` (a string is sent as it is) with JSON's content type. */
export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

/** A time in the last hour: an RFC 3339 string (created_at, modified_at over JSON) or milliseconds. */
export function isRecentDate(v: unknown, slackMs = 3_600_000): boolean {
  const t = typeof v === "number" ? v : Date.parse(String(v));
  return Number.isFinite(t) && Math.abs(Date.now() - t) < slackMs;
}

/** A schema of node-llama-cpp's grammar subset, bounded so a random model ends quickly. */
export const PERSON_SCHEMA = {
  type: "object",
  properties: {
    name: { enum: ["ann", "bob", "cy"] },
    ok: { type: "boolean" },
    kind: { const: "person" },
  },
  required: ["name", "ok", "kind"],
  additionalProperties: false,
} as const;

/** Checks a value against PERSON_SCHEMA; returns why not, or undefined. */
export function notAPerson(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not an object";
  const o = v as Record<string, unknown>;
  if (JSON.stringify(Object.keys(o).sort()) !== JSON.stringify(["kind", "name", "ok"])) return `keys ${Object.keys(o).join(",")}`;
  if (!["ann", "bob", "cy"].includes(o.name as string)) return `name ${String(o.name)}`;
  if (typeof o.ok !== "boolean") return "ok is not a boolean";
  if (o.kind !== "person") return `kind ${String(o.kind)}`;
  return undefined;
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * "weather": a tool-calling oracle. Its words are split at spaces only, so a
 * compact JSON call is one word. After "weather?" it recites a call of
 * get_weather in the tag its TEMPLATE writes before `.ToolCalls`
 * (`<tool_call>`), then, after a tool's result (which the TEMPLATE closes with
 * `</tool_response>`), the final answer, then EOS.
 */
export const WEATHER_TEXT = 'weather? <tool_call> {"name":"get_weather","arguments":{"city":"Paris"}} </tool_call> </tool_response> It is sunny in Paris.';
export const WEATHER_SPEC: OracleLlamaSpec = { text: WEATHER_TEXT, endWithEos: true, punctuationWords: false };
/** A TEMPLATE in the shape of qwen's: `.Tools` first, a call as `<tool_call> {json} </tool_call>`, a tool's result in `<tool_response>`. */
export const WEATHER_TEMPLATE =
  '{{- if .Tools }}Tools: {{ .Tools }} {{ end }}' +
  '{{- range .Messages }}' +
  '{{- if eq .Role "assistant" }}{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }} {"name":"{{ .Function.Name }}","arguments":{{ .Function.Arguments }}}{{ end }} </tool_call>{{ else }}{{ .Content }}{{ end }}' +
  '{{- else if eq .Role "tool" }} <tool_response> {{ .Content }} </tool_response>' +
  "{{- else }}{{ .Content }}{{ end }}" +
  "{{- end }}";
export const WEATHER_MODEL: ModelLayersInput = { gguf: oracleLlama(WEATHER_SPEC), template: WEATHER_TEMPLATE, params: { temperature: 0, num_predict: 40, num_ctx: 512 } };
/** The call "weather" makes, and its final answer after a tool result (the text after `</tool_response>`, as the pieces have it). */
export const WEATHER_CALL = { name: "get_weather", arguments: { city: "Paris" } };
export const WEATHER_ANSWER = WEATHER_TEXT.slice(WEATHER_TEXT.indexOf("</tool_response>") + "</tool_response>".length);
/** The question whose last word starts the call. */
export const WEATHER_QUESTION = "What is the weather?";
/** get_weather's definition, as an Ollama or OpenAI request carries it. */
export const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Rome"] } }, required: ["city"] },
  },
};

/** "thinker": recites a thinking trace, then its answer, then EOS; its TEMPLATE can think (`.Thinking` in the range over `.Messages`). */
export const THINKER_SPEC: OracleLlamaSpec = { text: "go <think> hmm </think> yes", endWithEos: true };
export const THINKER_TEMPLATE =
  '{{- range .Messages }}{{ if eq .Role "assistant" }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ .Content }}{{ else }}{{ .Content }}{{ end }}{{ end }}';
export const THINKER_MODEL: ModelLayersInput = { gguf: oracleLlama(THINKER_SPEC), template: THINKER_TEMPLATE, params: { temperature: 0, num_predict: 20, num_ctx: 256 } };
