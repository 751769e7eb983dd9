import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseModelfile, printModelfile, readModelfile, toPlainModelfile } from "../../src/modelfile/index.js";
import { FIXTURES, summarize } from "./helpers.js";

/**
 * Golden tests, one folder per case (buildkit's layout):
 *
 * - ok/<case>/Modelfile: must load without errors; expected.json holds the
 *   typed result without ranges, the file references and the warnings;
 *   formatted.Modelfile is the printer's output, which must load to the same
 *   typed result and print to itself.
 * - fail/<case>/Modelfile: expected.json holds every diagnostic (code,
 *   line, column, message, hint), errors and warnings.
 *
 * `UPDATE_GOLDEN=1` rewrites expected.json and formatted.Modelfile.
 */
const update = process.env["UPDATE_GOLDEN"] === "1";

function cases(kind: "ok" | "fail"): string[] {
  return readdirSync(join(FIXTURES, kind)).sort();
}

function golden(path: string, actual: string): void {
  if (update || !existsSync(path)) {
    if (!update) assert.fail(`missing golden ${path}; run with UPDATE_GOLDEN=1`);
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, "utf8"), `golden ${path} differs; run with UPDATE_GOLDEN=1 if the change is intended`);
}

for (const name of cases("ok")) {
  test(`ok/${name}`, () => {
    const dir = join(FIXTURES, "ok", name);
    const loaded = readModelfile(readFileSync(join(dir, "Modelfile")), "Modelfile");
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(errors.map(summarize), [], "an ok case must load without errors");
    const plain = toPlainModelfile(loaded.modelfile);
    const expected = {
      encoding: loaded.encoding,
      modelfile: plain,
      references: loaded.references.map((r) => ({ instruction: r.instruction, path: r.path, line: r.range.start.line, column: r.range.start.column })),
      warnings: loaded.diagnostics.map(summarize),
    };
    golden(join(dir, "expected.json"), `${JSON.stringify(expected, null, 2)}\n`);

    const formatted = printModelfile(loaded.ast);
    golden(join(dir, "formatted.Modelfile"), formatted);
    const again = readModelfile(formatted, "formatted.Modelfile");
    assert.deepEqual(again.diagnostics.filter((d) => d.severity === "error").map(summarize), []);
    assert.deepEqual(toPlainModelfile(again.modelfile), plain, "printing must not change the typed result");
    assert.equal(printModelfile(parseModelfile(formatted).ast), formatted, "printing must be idempotent");
  });
}

for (const name of cases("fail")) {
  test(`fail/${name}`, () => {
    const dir = join(FIXTURES, "fail", name);
    const loaded = readModelfile(readFileSync(join(dir, "Modelfile")), "Modelfile");
    assert.ok(loaded.diagnostics.some((d) => d.severity === "error"), "a fail case must have an error");
    golden(join(dir, "expected.json"), `${JSON.stringify({ diagnostics: loaded.diagnostics.map(summarize) }, null, 2)}\n`);
  });
}
