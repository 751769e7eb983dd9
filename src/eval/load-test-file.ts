import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { isRefusedFile, readRegularText, refusedFileCode } from "../fsutil/read-regular.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parseCsvCases } from "./csv-cases.js";
import type { TestSuite } from "./test-file.js";
import { parseSchemaText, splitFileRef, validateTestFile, type ReferencedFile, type ValidateTestFileOptions } from "./validate-test-file.js";

/** How deep file:// references are followed (a cases file naming a vars file naming ...). */
const MAX_DEPTH = 4;

const SCRIPT = /\.(js|cjs|mjs)$/i;

/**
 * The IO half of test-file validation: reads every file the test file names
 * with file:// (cases, vars, prompts, defaultTest, assertion values, schema
 * files, javascript scripts, transforms), and the bare schema paths of is-json (and contains-json)
 * assertions, each relative to the test file, following references inside
 * those files too. Scripts are imported (as Node imports them: CommonJS or ES
 * module). A file read once serves every reference to it; one that cannot be
 * read is recorded with its problem, for validation to report where it is
 * named.
 */
export async function readReferencedFiles(value: unknown, absFile: string, display: string): Promise<Map<string, ReferencedFile>> {
  const files = new Map<string, ReferencedFile>();
  const baseDir = path.dirname(absFile);
  const displayDir = path.dirname(display);
  const pending: { ref: string; depth: number }[] = [];
  const collect = (v: unknown, depth: number) => {
    for (const ref of references(v)) if (!files.has(ref) && !pending.some((p) => p.ref === ref)) pending.push({ ref, depth });
  };
  collect(value, 0);
  while (pending.length) {
    const { ref, depth } = pending.shift()!;
    if (files.has(ref)) continue;
    const f = await readOne(path.resolve(baseDir, ref), slash(path.join(displayDir, ref)));
    files.set(ref, f);
    if (f.text === undefined || depth >= MAX_DEPTH) continue;
    if (/\.csv$/i.test(ref)) {
      try {
        collect(parseCsvCases(f.text).map((r) => [r.vars, r.assert.map((a) => a.raw)]), depth + 1);
      } catch {
        // reported by validation
      }
    } else if (/\.(ya?ml|json)$/i.test(ref)) {
      try {
        collect(parseYaml(f.text) as unknown, depth + 1);
      } catch {
        // reported by validation
      }
    }
  }
  return files;
}

const slash = (p: string) => p.split(path.sep).join("/");

/** Every file path a value names: strings `file://path[:fn]`, and bare schema paths of is-json and contains-json assertions. */
function references(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      if (v.startsWith("file://")) out.push(splitFileRef(v).file);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.type === "string" && ["is-json", "contains-json"].includes(o.type.replace(/^not-/, "")) && typeof o.value === "string" && !o.value.startsWith("file://") && /^\S+\.(json|ya?ml)$/i.test(o.value.trim())) out.push(o.value.trim());
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return out;
}

async function readOne(abs: string, display: string): Promise<ReferencedFile> {
  let text: string;
  try {
    text = await readRegularText(abs);
  } catch (e) {
    if (isRefusedFile(e)) return { display, problem: { code: refusedFileCode(e), message: `cannot be read: ${e.message}` } };
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return { display, problem: { code: "MS6102", message: missing ? "not found" : `cannot be read: ${(e as Error).message}` } };
  }
  if (/\.ts$/i.test(abs)) return { display, problem: { code: "MS6106", message: "is TypeScript: modelsmith runs javascript scripts (.js, .cjs, .mjs)" } };
  if (!SCRIPT.test(abs)) return { display, text };
  try {
    const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    return { display, text, module: { ...mod } };
  } catch (e) {
    return { display, problem: { code: "MS6106", message: `cannot be loaded: ${(e as Error).message.split("\n")[0]}` } };
  }
}

/**
 * Attaches the schema files of a suite validated without its files
 * (validateTestFile with no `files`). loadTestFile needs none of this: it reads
 * every file first, so that schema problems come with the file's others.
 */
export async function checkTestFileFiles(suite: TestSuite, absFile: string): Promise<{ suite: TestSuite; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const read = new Map<string, ReturnType<typeof parseSchemaText>>();
  const cases = [];
  for (const c of suite.cases) {
    const assert = [];
    for (const a of c.assert) {
      if (a.value.kind !== "schema-file" || a.value.schema) {
        assert.push(a);
        continue;
      }
      let r = read.get(a.value.path);
      if (!r) {
        const f = await readOne(path.resolve(path.dirname(absFile), a.value.path), a.value.path);
        r = f.problem ? { problem: { code: f.problem.code === "MS6102" ? "MS6009" : f.problem.code, message: f.problem.message } } : parseSchemaText(f.text ?? "", /\.ya?ml$/i.test(a.value.path));
        read.set(a.value.path, r);
      }
      if ("problem" in r) diagnostics.push(error(r.problem.code, `schema file ${a.value.path} ${r.problem.message}`, { file: suite.file, range: a.value.range, hint: "schema paths are relative to the test file" }));
      assert.push("schema" in r ? { ...a, value: { ...a.value, schema: r.schema } } : a);
    }
    cases.push({ ...c, assert });
  }
  const seen = new Set<string>();
  return { suite: { ...suite, cases }, diagnostics: diagnostics.filter((d) => (seen.has(`${d.range?.start.offset}:${d.message}`) ? false : (seen.add(`${d.range?.start.offset}:${d.message}`), true))) };
}

/** What `modelsmith test` and `check` need: read, validate and resolve one test file, with every file it names. */
export async function loadTestFile(
  absFile: string,
  display: string,
  opts: ValidateTestFileOptions = {},
): Promise<{ suite?: TestSuite; diagnostics: Diagnostic[]; text?: string; sources?: Map<string, string> }> {
  let text: string;
  try {
    text = await readRegularText(absFile);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    if (isRefusedFile(e)) return { diagnostics: [error(refusedFileCode(e), `cannot read test file ${display}: ${e.message}`, { file: display })] };
    return { diagnostics: [error("MS4006", missing ? `test file not found: ${display}` : `cannot read test file ${display}: ${(e as Error).message}`)] };
  }
  let value: unknown;
  try {
    value = parseYaml(text.replace(/^\ufeff/, "")) as unknown;
  } catch {
    value = undefined; // validation reports the YAML error
  }
  const files = await readReferencedFiles(value, absFile, display);
  const { suite, diagnostics } = validateTestFile(text, display, { ...opts, files });
  const sources = new Map<string, string>([[display, text]]);
  for (const f of files.values()) if (f.text !== undefined) sources.set(f.display, f.text);
  return { ...(suite ? { suite } : {}), diagnostics, text, sources };
}
