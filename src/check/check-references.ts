import { open } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { newAjv } from "../project/precompiled-schemas.js";
import { error, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import type { FileReference } from "../modelfile/instructions.js";
import { isRefusedFile, MAX_SCHEMA_FILE, readRegularText, refusedFileCode, requireRegularFile } from "../fsutil/read-regular.js";
import { modelFileProblems } from "../gguf/model-check.js";
import { jsonErrorWithoutContent } from "../diagnostics/json-error.js";
import { ModelsmithError } from "../diagnostics/errors.js";
import { readGgufFile, type GgufFile } from "../gguf/index.js";
import { isCheckpointDir } from "../convert/checkpoint.js";
import { isPeftDir, openPeftAdapter } from "../convert/peft-adapter.js";
import { adapterKindProblem } from "./adapter-fit.js";
import { schemaGrammar } from "../runtime/grammar.js";


const GGUF_MAGIC = Buffer.from("GGUF");
const WHAT = { FROM: "model file", ADAPTER: "adapter file", FORMAT: "schema file" } as const;

/**
 * The IO half of Modelfile validation: every file a Modelfile names must exist;
 * FROM and ADAPTER files must be GGUF (FROM may also be a Hugging Face
 * checkpoint folder); a FORMAT schema must be a JSON Schema.
 */
export async function checkReferences(modelfilePath: string, display: string, refs: readonly FileReference[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const dir = path.dirname(modelfilePath);
  for (const ref of refs) {
    const abs = path.resolve(dir, ref.path.replace(/^~(?=$|[\\/])/, homedir()));
    const at = { file: display, range: ref.range };
    // A Hugging Face checkpoint folder: the build's convert step reads and checks it (src/convert/).
    if (ref.instruction === "FROM" && (await isCheckpointDir(abs))) continue;
    // A PEFT LoRA folder: what can be checked without the base (the build checks it against the base).
    if (ref.instruction === "FROM" && isPeftDir(abs)) {
      out.push(error("MS3326", `${ref.path} is a PEFT LoRA adapter folder, not a model`, { ...at, hint: `put it on an ADAPTER line (ADAPTER ${ref.path}) and FROM the model it was trained on` }));
      continue;
    }
    if (ref.instruction === "ADAPTER" && isPeftDir(abs)) {
      out.push(...(await peftProblems(abs, ref, at)));
      continue;
    }
    let head: Buffer;
    try {
      await requireRegularFile(abs, ref.instruction === "FORMAT" ? MAX_SCHEMA_FILE : undefined);
      head = await readHead(abs, 4);
    } catch (cause) {
      out.push(readProblem(cause, WHAT[ref.instruction], ref.path, abs, at));
      continue;
    }
    if (ref.instruction !== "FORMAT" && !head.equals(GGUF_MAGIC)) {
      out.push(error("MS3001", `${ref.path} is not a GGUF file (it does not start with "GGUF")`, { ...at, hint: "convert safetensors to GGUF with llama.cpp's convert_hf_to_gguf.py first" }));
    } else if (ref.instruction === "FROM") {
      out.push(...(await modelFileProblems(abs, ref.path, at)));
    }
    else if (ref.instruction === "ADAPTER") out.push(...(await checkAdapterKind(abs, ref, at)));
    if (ref.instruction === "FORMAT") out.push(...(await checkSchema(abs, ref, at)));
  }
  return out;
}

/** MS5285 when an ADAPTER file is a GGUF but not a LoRA adapter (whether it fits the base is the build's check). */
async function checkAdapterKind(abs: string, ref: FileReference, at: { file: string; range: SourceRange }): Promise<Diagnostic[]> {
  let gguf: GgufFile;
  try {
    gguf = await readGgufFile(abs);
  } catch (cause) {
    if (cause instanceof ModelsmithError) return cause.diagnostics.map((d) => ({ ...d, ...at }));
    throw cause;
  }
  const p = adapterKindProblem(gguf);
  return p ? [error(p.code, `ADAPTER ${ref.path}: ${p.message}`, { ...at, ...(p.hint ? { hint: p.hint } : {}) })] : [];
}

async function peftProblems(abs: string, ref: FileReference, at: { file: string; range: SourceRange }): Promise<Diagnostic[]> {
  try {
    await (await openPeftAdapter(abs, ref.path, at)).close();
    return [];
  } catch (cause) {
    if (cause instanceof ModelsmithError) return cause.diagnostics;
    throw cause;
  }
}

async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function checkSchema(abs: string, ref: FileReference, at: { file: string; range: SourceRange }): Promise<Diagnostic[]> {
  let text: string;
  try {
    text = await readRegularText(abs, MAX_SCHEMA_FILE);
  } catch (cause) {
    return [readProblem(cause, WHAT.FORMAT, ref.path, abs, at)];
  }
  return schemaProblems(text, ref.path, at);
}

/** The diagnostic for a file a Modelfile names that cannot be read: MS4006 missing, MS4090/MS4091 refused, else MS9003. */
export function readProblem(cause: unknown, what: string, shown: string, abs: string, at: { file: string; range: SourceRange }): Diagnostic {
  if (isRefusedFile(cause)) return error(refusedFileCode(cause), `cannot read ${what} ${shown}: ${cause.message}`, at);
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return error("MS4006", `${what} not found: ${shown}`, { ...at, hint: `looked for ${abs}; paths are relative to the Modelfile` });
  return error("MS9003", `cannot read ${shown}: ${(cause as Error).message}`, at);
}

/** A FORMAT schema file's text must be JSON that compiles as a JSON Schema (MS4008, MS4009 at the FORMAT line). */
export function schemaProblems(text: string, shownPath: string, at: { file: string; range: SourceRange }): Diagnostic[] {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (cause) {
    return [error("MS4008", `${shownPath} is not valid JSON: ${jsonErrorWithoutContent(cause as Error)}`, { ...at, hint: "FORMAT takes `json` or the path of a JSON Schema file" })];
  }
  try {
    newAjv().compile(schema as object);
  } catch (cause) {
    return [error("MS4009", `${shownPath} is not a valid JSON Schema: ${(cause as Error).message}`, at)];
  }
  // What the grammar cannot honour (MS8020) or llama.cpp's converter refuses (MS8300) is found at build, at the FORMAT line.
  try {
    schemaGrammar(schema);
  } catch (cause) {
    if (cause instanceof ModelsmithError) return cause.diagnostics.map((d) => ({ ...d, ...at, message: `${shownPath}: ${d.message}` }));
    throw cause;
  }
  return [];
}
