import { randomBytes } from "node:crypto";
import { mkdir, open, rm, symlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { homedir } from "node:os";
import nodePath from "node:path";
import { createModel } from "../build/create.js";
import { describeStep, type ProgressFactory } from "../build/progress.js";
import { error, InputError } from "../diagnostics/index.js";
import { readGgufFile } from "../gguf/index.js";
import { fileTypeName } from "../quantize/index.js";
import { isProjectorGguf } from "../build/projector.js";
import { splitName } from "../gguf/split.js";
import { printPlainModelfile, type PlainModelfile } from "../modelfile/index.js";
import type { ParameterValue } from "../modelfile/parameters.js";
import { tryParseDigest, type Store } from "../store/index.js";
import { field, HttpError, isArray, isBoolean, isObject, isString, readJsonBody } from "./http.js";
import type { ApiContext } from "./ollama-api.js";
import { progressAnswer, untilClientLeaves, type Progress } from "./registry-api.js";
import { ModelHost } from "./model-host.js";

/**
 * POST /api/create with Ollama's CreateRequest (`model`, `from`, `files`
 * {filename: digest} uploaded before with POST /api/blobs/:digest,
 * `adapters`, `template`, `system`, `parameters`, `messages`, `license`,
 * `quantize`, `stream`): the request is written as the Modelfile it stands
 * for (FROM one GGUF file, a safetensors checkpoint's files laid out as a
 * folder, or the `from` model; ADAPTER, TEMPLATE, SYSTEM, PARAMETER,
 * MESSAGE, LICENSE, as `show --modelfile` prints one), the uploaded blobs
 * linked beside it under their file names, and built by `modelsmith
 * create`'s createModel, so the same Modelfile and files give the same
 * manifest digest as the CLI. Progress as `{"status": …}` lines (see
 * createProgress), then "writing manifest" and "success" (or the last one
 * alone with `stream: false`). A client that hangs up cancels the build.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/api/types.go
 */

/** Ollama's error for a file name that is not a relative path (errFilePath). */
const FILE_PATH_ERROR = "file path must be relative";

/**
 * A file name of `files` / `adapters`: a relative path as Go's fs.ValidPath
 * takes it (elements that are not empty, `.` or `..`; no leading or trailing
 * slash), and no backslash or NUL; 400 with Ollama's message otherwise.
 */
function fileName(name: string): string {
  if (/[\\\0]/.test(name) || name.split("/").some((e) => e === "" || e === "." || e === "..")) throw new HttpError(400, FILE_PATH_ERROR);
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

/** What a set of uploaded files is: a safetensors checkpoint, GGUF, or neither (""). */
export type FilesKind = "safetensors" | "gguf" | "";

/**
 * Ollama's detectModelTypeFromFiles: the first file named `*.safetensors`
 * makes the set a checkpoint, the first `*.gguf` a GGUF; a file with another
 * name is GGUF when its first bytes are GGUF's magic (`isGguf`, given the
 * file's digest; without it, only the names count).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L476-L512
 */
export async function kindOfFiles(files: readonly [string, string][], isGguf?: (digest: string) => Promise<boolean>): Promise<FilesKind> {
  for (const [name, digest] of files) {
    if (name.endsWith(".safetensors")) return "safetensors";
    if (name.endsWith(".gguf")) return "gguf";
    if (await isGguf?.(digest)) return "gguf";
  }
  return "";
}

/** True when the blob starts with GGUF's magic, the 4 bytes `GGUF`. */
async function blobIsGguf(store: Store, digest: string): Promise<boolean> {
  const file = await open(store.blobPath(digest)).catch(() => undefined);
  if (!file) return false;
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await file.read(magic, 0, 4, 0);
    return bytesRead === 4 && magic.toString("latin1") === "GGUF";
  } finally {
    await file.close();
  }
}

/** What one of several GGUF `files` is, as Ollama's ggufLayers types its layer; `split`: a part of a split GGUF. */
export type GgufRole = "model" | "projector" | "adapter" | "split";

/**
 * The role of an uploaded GGUF, from its header: `general.type` adapter, a
 * projector as isProjectorGguf decides (Ollama's isProjectorGGUF), a part of
 * a split file (`split.count` > 1), else the model.
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1264-L1296
 */
async function ggufRole(store: Store, digest: string): Promise<GgufRole> {
  const meta = (await readGgufFile(store.blobPath(digest))).metadata;
  if (Number(meta.get("split.count")?.value ?? 0) > 1) return "split";
  if (meta.get("general.type")?.value === "adapter") return "adapter";
  return isProjectorGguf(meta) ? "projector" : "model";
}

/**
 * Split GGUF parts (by name and digest) grouped into sets as Ollama's create
 * groups them (splitGGUFGroupKey, mergeSplitGGUFLayers), each set in part
 * order; a part not named as llama.cpp names them, or a set that lacks a part,
 * is MS8115 with Ollama's message. That each part's `split.no` and
 * `split.count` agree with its name is checked when the build joins them
 * (src/gguf/split.ts, MS3341).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1128-L1200
 */
function splitSets(parts: [string, string][]): [string, string][][] {
  const refuse = (message: string) => new InputError(error("MS8115", message, { hint: "send every part llama-gguf-split wrote, under the names it gave them" }));
  const groups = new Map<string, { count: number; parts: ([string, string] | undefined)[] }>();
  for (const part of parts) {
    const name = splitName(part[0]);
    if (!name) throw refuse(`split GGUF ${JSON.stringify(part[0])} must use llama.cpp split filename pattern`);
    const key = `${name.prefix}:${name.count}`;
    const group = groups.get(key) ?? { count: name.count, parts: [] };
    groups.set(key, group);
    group.parts[name.index] = part;
  }
  return [...groups.values()].map((g) => {
    const have = g.parts.filter((p) => p !== undefined);
    if (g.parts[0] === undefined) throw refuse("split GGUF is missing first shard");
    if (have.length !== g.count) throw refuse(`split GGUF ${JSON.stringify(g.parts[0][0])} has ${have.length} shards, expected ${g.count}`);
    return have;
  });
}

/** Where a safetensors checkpoint's files are laid out, beside the Modelfile: `FROM ./model`. */
export const CHECKPOINT_DIR = "model";
/** Where a PEFT adapter's files are laid out, beside the Modelfile: `ADAPTER ./adapter`. */
export const ADAPTER_DIR = "adapter";

function unknownType(key: string): InputError {
  return new InputError(error("MS8112", `unknown type: no GGUF file and no *.safetensors among \`${key}\``, { hint: "send a GGUF file, or a checkpoint's config.json, *.safetensors and tokenizer files" }));
}

/** A request parameter as the Modelfile's PARAMETER takes it: a number, a boolean, a string, or a list of strings (`stop`). */
function parameterOf(name: string, v: unknown): ParameterValue {
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v as ParameterValue;
  if (isArray(v) && v.every(isString)) return v;
  throw new HttpError(400, `parameter ${JSON.stringify(name)} must be a number, a boolean, a string or a list of strings`);
}

/**
 * The Modelfile a create request stands for, and where each uploaded file
 * goes beside it (`links`: relative path, digest). `kinds` tells what
 * `files` and `adapters` are (kindOfFiles; by default from their names):
 * a checkpoint's files go under CHECKPOINT_DIR/ and `FROM ./model` converts
 * it; one GGUF is `FROM ./<file>`. Several GGUFs are told apart by `roles`
 * (ggufRole; without it, several are refused): the model is the first FROM,
 * each projector a FROM after it, each adapter an ADAPTER, in name order as
 * Ollama sorts them. `adapters` is one GGUF adapter, one more ADAPTER, or a
 * PEFT adapter's files (safetensors), laid out under ADAPTER_DIR/ and
 * converted by `ADAPTER ./adapter` against the base, as Ollama converts them.
 * Refused as Ollama refuses them (400): more than one GGUF adapter in
 * `adapters`, files of no known type, split GGUF parts that are not a
 * whole set (MS8115, with Ollama's messages); and here also several models.
 * A whole split set is one model: `FROM ./<first part>`, the other parts
 * beside it, joined by the build as Ollama's create joins them.
 */
export async function modelfileOfRequest(
  body: Record<string, unknown>,
  kinds?: { files: FilesKind; adapters: FilesKind; roles?: ReadonlyMap<string, GgufRole> },
): Promise<{ text: string; links: [string, string][] }> {
  const from = field(body, "from", isString, "a string");
  const files = filesOf(body, "files");
  const adapters = filesOf(body, "adapters");
  const filesKind = kinds?.files ?? (await kindOfFiles(files));
  const adaptersKind = kinds?.adapters ?? (await kindOfFiles(adapters));
  const links: [string, string][] = [];
  const m: PlainModelfile = { parameters: {}, adapters: [], license: [], messages: [] };
  if (from) m.from = from;
  else if (files.length === 0) throw new HttpError(400, "neither 'from' or 'files' was specified");
  else if (filesKind === "safetensors") {
    m.from = `./${CHECKPOINT_DIR}`;
    links.push(...files.map(([name, digest]): [string, string] => [`${CHECKPOINT_DIR}/${name}`, digest]));
  } else if (filesKind === "gguf") {
    const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const roleOf = (name: string): GgufRole => (files.length === 1 ? "model" : (kinds?.roles?.get(name) ?? "split"));
    // Parts of split GGUFs are grouped by name as Ollama groups them; each whole set is one model, FROM its first part, joined by the build.
    const sets = splitSets(sorted.filter(([name]) => roleOf(name) === "split"));
    const models = [...sorted.filter(([name]) => roleOf(name) === "model"), ...sets.map((parts) => parts[0]!)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (models.length !== 1) {
      throw new InputError(error("MS8110", `${models.length} model GGUF files among \`files\`: ${models.map(([n]) => n).join(", ") || "only projectors and adapters"}`, { hint: "send one model GGUF, with its projector or adapters beside it if it has them" }));
    }
    m.from = `./${models[0]![0]}`;
    const projectors = sorted.filter(([name]) => roleOf(name) === "projector");
    if (projectors.length > 0) m.projectors = projectors.map(([name]) => `./${name}`);
    const fileAdapters = sorted.filter(([name]) => roleOf(name) === "adapter");
    m.adapters.push(...fileAdapters.map(([name]) => `./${name}`));
    links.push(...models, ...sets.flatMap((parts) => parts.slice(1)), ...projectors, ...fileAdapters);
  } else throw unknownType("files");
  if (adapters.length > 0) {
    if (adaptersKind === "safetensors") {
      m.adapters.push(`./${ADAPTER_DIR}`);
      links.push(...adapters.map(([name, digest]): [string, string] => [`${ADAPTER_DIR}/${name}`, digest]));
    } else if (adaptersKind !== "gguf") throw unknownType("adapters");
    else if (adapters.length > 1) throw new InputError(error("MS8113", "only one adapter is currently supported", { hint: "send one GGUF LoRA adapter, or stack several with ADAPTER lines in a Modelfile and `modelsmith create`" }));
    else {
      m.adapters.push(`./${adapters[0]![0]}`);
      links.push(adapters[0]!);
    }
  }
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
  return { text: printPlainModelfile(m), links };
}

/**
 * The status lines of a build's progress, in Ollama's words where a step is
 * one of Ollama's: `converting model` as a checkpoint's conversion starts,
 * `quantizing F16 model to Q4_K_M` (the source's file type, as Ollama names
 * it) with `digest` (Ollama's placeholder of 19 zeros), `total` and
 * `completed` while llama.cpp quantizes (tensors here, bytes in Ollama), then
 * a line per step done (`assemble made:latest: done`).
 * https://github.com/ollama/ollama/blob/fb30760996871fa9460115c753afd2c60d4ab0f7/server/create.go#L1007-L1019
 */
function createProgress(store: Store, send: (p: Progress) => void): ProgressFactory {
  return (steps) => {
    // The source's type of each quantize step, read while the steps before it run (a stored GGUF's header; a conversion's output type).
    const sourceTypes = new Map<string, string>();
    for (const step of steps) {
      if (step.kind !== "quantize") continue;
      const input = step.input;
      const joined = input.kind === "model-of" ? steps.find((s) => s.id === (input as { step: string }).step) : undefined;
      const typed = input.kind === "pin" ? store.blobPath(input.digest) : joined?.kind === "convert" ? joined.split?.parts[0] : undefined;
      if (typed !== undefined) {
        // A stored GGUF's type, or a split set's (its first part's metadata is the joined file's).
        void readGgufFile(typed).then(
          (g) => {
            const ft = g.metadata.get("general.file_type")?.value;
            const name = typeof ft === "number" ? fileTypeName(ft) : undefined;
            if (name) sourceTypes.set(step.id, name);
          },
          () => {},
        );
      } else if (joined?.kind === "convert") {
        sourceTypes.set(step.id, joined.outType);
      }
    }
    return {
      event: (e) => {
        if (e.kind === "start" && e.step.kind === "convert" && !e.step.split) send({ status: "converting model" });
        else if (e.kind === "progress" && e.step.kind === "quantize" && e.total > 0) {
          const source = sourceTypes.get(e.step.id);
          send({ status: `quantizing ${source ? `${source} ` : ""}model to ${e.step.type.toUpperCase()}`, digest: "0000000000000000000", total: e.total, completed: e.done });
        } else if (e.kind === "done") send({ status: `${describeStep(e.step)}: ${e.cached ? "using existing layer" : "done"}` });
      },
      close: async () => {},
    };
  };
}

/** A 400 that says to upload the blob of `file` first, when the store lacks it. */
async function requireBlob(store: Store, file: string, digest: string): Promise<void> {
  if (!(await store.hasBlob(digest))) throw new HttpError(400, `blob ${digest} of ${JSON.stringify(file)} not found: upload it first with POST /api/blobs/${digest}`);
}

/** POST /api/create */
export async function create(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req);
  const name = field(body, "model", isString, "a string") || field(body, "name", isString, "a string") || "";
  if (!name) throw new HttpError(400, "model is required");
  ModelHost.key(name);
  const quantize = field(body, "quantize", isString, "a string") || undefined;
  const stream = field(body, "stream", isBoolean, "true or false") ?? true;
  const isGguf = (digest: string) => blobIsGguf(ctx.store, digest);
  const files = filesOf(body, "files");
  const kinds = { files: await kindOfFiles(files, isGguf), adapters: await kindOfFiles(filesOf(body, "adapters"), isGguf), roles: new Map<string, GgufRole>() };
  if (kinds.files === "gguf" && files.length > 1 && !field(body, "from", isString, "a string")) {
    for (const [file, digest] of files) {
      await requireBlob(ctx.store, file, digest);
      kinds.roles.set(file, await ggufRole(ctx.store, digest));
    }
  }
  const { text, links } = await modelfileOfRequest(body, kinds);
  for (const [file, digest] of links) await requireBlob(ctx.store, nodePath.basename(file), digest);
  // In the store's tmp/, as a `.dir` of symlinks, which `modelsmith gc` removes if a crash leaves it.
  const dir = nodePath.join(ctx.store.layout.tmpDir, `create-${process.pid}-${randomBytes(6).toString("hex")}.dir`);
  await mkdir(dir, { recursive: true });
  try {
    const modelfile = nodePath.join(dir, "Modelfile");
    await writeFile(modelfile, text);
    for (const [file, digest] of links) {
      await mkdir(nodePath.dirname(nodePath.join(dir, file)), { recursive: true });
      await symlink(ctx.store.blobPath(digest), nodePath.join(dir, file));
    }
    await untilClientLeaves(res, (signal) =>
      progressAnswer(res, stream, async (send) => {
        await createModel({
          name,
          modelfile,
          ...(quantize !== undefined ? { quantize } : {}),
          storeRoot: ctx.store.root,
          home: homedir(),
          display: (abs) => (abs.startsWith(dir) ? nodePath.relative(dir, abs) : abs),
          sources: new Map(),
          progress: createProgress(ctx.store, send),
          json: true,
          signal,
          out: { say: () => {}, write: () => {}, report: (ds) => ds.forEach((d) => ctx.log?.(`warning[${d.code}]: ${d.message}`)) },
        });
        send({ status: "writing manifest" });
        send({ status: "success" });
      }),
    ).catch((err: unknown) => {
      // A bad Modelfile (a parameter, a template, a FROM the store lacks) is the request's fault: 400, as Ollama's create answers it.
      if (err instanceof HttpError && err.cause instanceof InputError && !res.headersSent) throw new HttpError(400, err.message, { cause: err.cause });
      throw err;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
