import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { homedir, tmpdir } from "node:os";
import nodePath from "node:path";
import { createModel } from "../build/create.js";
import { describeStep, type ProgressFactory } from "../build/progress.js";
import { InputError } from "../diagnostics/index.js";
import { printPlainModelfile, type PlainModelfile } from "../modelfile/index.js";
import type { ParameterValue } from "../modelfile/parameters.js";
import { tryParseDigest } from "../store/index.js";
import { field, HttpError, isArray, isBoolean, isObject, isString, readJsonBody } from "./http.js";
import type { ApiContext } from "./ollama-api.js";
import { progressAnswer } from "./registry-api.js";
import { ModelHost } from "./model-host.js";

/**
 * POST /api/create with Ollama's CreateRequest (`model`, `from`, `files`
 * {filename: digest} uploaded before with POST /api/blobs/:digest,
 * `adapters`, `template`, `system`, `parameters`, `messages`, `license`,
 * `quantize`, `stream`): the request is written as the Modelfile it stands
 * for (FROM the file or the `from` model, ADAPTER, TEMPLATE, SYSTEM,
 * PARAMETER, MESSAGE, LICENSE, as `show --modelfile` prints one), the
 * uploaded blobs linked beside it under their file names, and built by
 * `modelsmith create`'s createModel, so the same Modelfile gives the same
 * manifest digest as the CLI. Progress as `{"status": …}` lines, one per
 * build step, then "writing manifest" and "success" (or the last one alone
 * with `stream: false`).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go
 */

/** A file name of `files` / `adapters`: one plain name (Ollama's fs.ValidPath, and no directories here). */
function fileName(name: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) throw new HttpError(400, `invalid file name ${JSON.stringify(name)}`);
  return name;
}

/** `{filename: digest}` of the request; 400 when it is not such a map. */
function filesOf(body: Record<string, unknown>, key: string): [string, string][] {
  const v = field(body, key, isObject, "an object of file names to digests");
  if (!v) return [];
  return Object.entries(v).map(([name, digest]) => {
    if (!isString(digest)) throw new HttpError(400, `\`${key}\` must map file names to digests`);
    const d = tryParseDigest(digest);
    if (!d) throw new HttpError(400, `invalid digest ${JSON.stringify(digest)} for ${JSON.stringify(name)}`);
    return [fileName(name), d];
  });
}

/** A request parameter as the Modelfile's PARAMETER takes it: a number, a boolean, a string, or a list of strings (`stop`). */
function parameterOf(name: string, v: unknown): ParameterValue {
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v as ParameterValue;
  if (isArray(v) && v.every(isString)) return v;
  throw new HttpError(400, `parameter ${JSON.stringify(name)} must be a number, a boolean, a string or a list of strings`);
}

/** The Modelfile a create request stands for, and the uploaded files it names. */
export function modelfileOfRequest(body: Record<string, unknown>): { text: string; links: [string, string][] } {
  const from = field(body, "from", isString, "a string");
  const files = filesOf(body, "files");
  const adapters = filesOf(body, "adapters");
  const m: PlainModelfile = { parameters: {}, adapters: adapters.map(([name]) => `./${name}`), license: [], messages: [] };
  if (from) m.from = from;
  else if (files.length === 1) m.from = `./${files[0]![0]}`;
  else if (files.length > 1) throw new HttpError(400, "more than one file: only a single GGUF file can be created from (safetensors are not converted over the API)");
  else throw new HttpError(400, "neither 'from' or 'files' was specified");
  const template = field(body, "template", isString, "a string");
  if (template !== undefined) m.template = template;
  const system = field(body, "system", isString, "a string");
  if (system !== undefined) m.system = system;
  for (const [name, value] of Object.entries(field(body, "parameters", isObject, "an object") ?? {})) m.parameters[name] = parameterOf(name, value);
  for (const msg of field(body, "messages", isArray, "a list") ?? []) {
    if (!isObject(msg) || !isString(msg.role) || !isString(msg.content)) throw new HttpError(400, "each message needs a `role` and a `content` string");
    m.messages.push({ role: msg.role as PlainModelfile["messages"][number]["role"], content: msg.content });
  }
  const license = body.license;
  if (isString(license)) m.license.push(license);
  else if (isArray(license) && license.every(isString)) m.license.push(...license);
  else if (license !== undefined && license !== null) throw new HttpError(400, "`license` must be a string or a list of strings");
  return { text: printPlainModelfile(m), links: [...(from ? [] : files), ...adapters] };
}

/** POST /api/create */
export async function create(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const name = field(body, "model", isString, "a string") || field(body, "name", isString, "a string") || "";
  if (!name) throw new HttpError(400, "model is required");
  ModelHost.key(name);
  const quantize = field(body, "quantize", isString, "a string") || undefined;
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const { text, links } = modelfileOfRequest(body);
  for (const [file, digest] of links) {
    if (!(await ctx.store.hasBlob(digest))) throw new HttpError(400, `blob ${digest} of ${JSON.stringify(file)} not found: upload it first with POST /api/blobs/${digest}`);
  }
  const dir = await mkdtemp(nodePath.join(tmpdir(), "modelsmith-create-"));
  try {
    const modelfile = nodePath.join(dir, "Modelfile");
    await writeFile(modelfile, text);
    for (const [file, digest] of links) await symlink(ctx.store.blobPath(digest), nodePath.join(dir, file));
    await progressAnswer(res, stream, async (send) => {
      const progress: ProgressFactory = () => ({
        event: (e) => {
          if (e.kind === "done") send({ status: `${describeStep(e.step)}: ${e.cached ? "using existing layer" : "done"}` });
        },
        close: async () => {},
      });
      await createModel({
        name,
        modelfile,
        ...(quantize !== undefined ? { quantize } : {}),
        storeRoot: ctx.store.root,
        home: homedir(),
        display: (abs) => (abs.startsWith(dir) ? nodePath.relative(dir, abs) : abs),
        sources: new Map(),
        progress,
        json: true,
        out: { say: () => {}, write: () => {}, report: (ds) => ds.forEach((d) => ctx.log?.(`warning[${d.code}]: ${d.message}`)) },
      });
      send({ status: "writing manifest" });
      send({ status: "success" });
    }).catch((err: unknown) => {
      // A bad Modelfile (a parameter, a template, a FROM the store lacks) is the request's fault: 400, as Ollama's create answers it.
      if (err instanceof HttpError && err.cause instanceof InputError && !res.headersSent) throw new HttpError(400, err.message, { cause: err.cause });
      throw err;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
