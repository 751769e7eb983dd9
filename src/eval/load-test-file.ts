import { isRefusedFile, MAX_SCHEMA_FILE, readRegularText, refusedFileCode } from "../fsutil/read-regular.js";
import { jsonErrorWithoutContent } from "../diagnostics/json-error.js";
import path from "node:path";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { schemaProblem } from "./json-schema.js";
import type { TestSuite } from "./test-file.js";
import { validateTestFile, type ValidateTestFileOptions } from "./validate-test-file.js";

/**
 * The IO half of test-file validation: reads each schema file an is-json
 * assertion names (relative to the test file at `absFile`), checks that it is
 * JSON and a JSON Schema, and returns the suite with those schemas attached.
 * A file read once serves every assertion that names it.
 */
export async function checkTestFileFiles(suite: TestSuite, absFile: string): Promise<{ suite: TestSuite; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const read = new Map<string, Promise<{ schema?: object; problem?: { code: string; message: string } }>>();
  const load = (abs: string) => {
    let p = read.get(abs);
    if (!p) read.set(abs, (p = readSchema(abs)));
    return p;
  };
  const cases = [];
  for (const c of suite.cases) {
    const assert = [];
    for (const a of c.assert) {
      if (a.value.kind !== "schema-file") {
        assert.push(a);
        continue;
      }
      const r = await load(path.resolve(path.dirname(absFile), a.value.path));
      if (r.problem) diagnostics.push(error(r.problem.code, `schema file ${a.value.path} ${r.problem.message}`, { file: suite.file, range: a.value.range, hint: "schema paths are relative to the test file" }));
      assert.push(r.schema ? { ...a, value: { ...a.value, schema: r.schema } } : a);
    }
    cases.push({ ...c, assert });
  }
  // Defaults' assertions are shared by cases: report each problem once.
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.range?.start.offset}:${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { suite: { ...suite, cases }, diagnostics: unique };
}

async function readSchema(abs: string): Promise<{ schema?: object; problem?: { code: string; message: string } }> {
  let text: string;
  try {
    text = await readRegularText(abs, MAX_SCHEMA_FILE);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return { problem: { code: "MS6009", message: missing ? "not found" : `cannot be read: ${(e as Error).message}` } };
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    return { problem: { code: "MS6009", message: `is not JSON: ${jsonErrorWithoutContent(e as Error)}` } };
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return { problem: { code: "MS6008", message: "is not a JSON Schema: it must hold an object" } };
  const problem = schemaProblem(schema);
  return problem ? { problem: { code: "MS6008", message: `is not a valid JSON Schema: ${problem}` } } : { schema };
}

/** What `modelsmith test` and `check` need: read, validate and resolve one test file. */
export async function loadTestFile(absFile: string, display: string, opts: ValidateTestFileOptions = {}): Promise<{ suite?: TestSuite; diagnostics: Diagnostic[]; text?: string }> {
  let text: string;
  try {
    text = await readRegularText(absFile);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    if (isRefusedFile(e)) return { diagnostics: [error(refusedFileCode(e), `cannot read test file ${display}: ${e.message}`, { file: display })] };
    return { diagnostics: [error("MS4006", missing ? `test file not found: ${display}` : `cannot read test file ${display}: ${(e as Error).message}`)] };
  }
  const { suite, diagnostics } = validateTestFile(text, display, opts);
  if (!suite) return { diagnostics, text };
  const checked = await checkTestFileFiles(suite, absFile);
  return { suite: checked.diagnostics.length ? undefined : checked.suite, diagnostics: [...diagnostics, ...checked.diagnostics], text };
}
