import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { error, warning } from "../../src/diagnostics/diagnostic.js";
import { exitCodeFor, InputError, EnvironmentError, CheckFailedError } from "../../src/diagnostics/errors.js";
import { LineIndex } from "../../src/diagnostics/position.js";
import { renderDiagnostic } from "../../src/diagnostics/render.js";
import { didYouMean, editDistance, suggest } from "../../src/diagnostics/suggest.js";

describe("LineIndex", () => {
  it("maps offsets to 1-based lines and columns, CRLF like LF", () => {
    const idx = new LineIndex("FROM x\r\nPARAMETER a 1\nSYSTEM hi");
    assert.deepEqual(idx.position(0), { line: 1, column: 1, offset: 0 });
    assert.deepEqual(idx.position(8), { line: 2, column: 1, offset: 8 });
    assert.deepEqual(idx.position(18), { line: 2, column: 11, offset: 18 });
    assert.deepEqual(idx.position(22), { line: 3, column: 1, offset: 22 });
    assert.equal(idx.lineText(1), "FROM x");
    assert.equal(idx.lineText(2), "PARAMETER a 1");
    assert.equal(idx.lineCount, 3);
  });
});

describe("renderDiagnostic", () => {
  const text = "FROM llama3\nPARAMETER temprature 0.7\n";
  const idx = new LineIndex(text);
  it("prints path:line:col, the code, a code frame with carets under the range, and the hint", () => {
    const d = error("MS2001", 'unknown parameter "temprature"', { file: "Modelfile", range: idx.range(22, 32), hint: "did you mean `temperature`?" });
    assert.equal(
      renderDiagnostic(d, { source: () => text }),
      [
        'Modelfile:2:11: error[MS2001]: unknown parameter "temprature"',
        " 2 | PARAMETER temprature 0.7",
        "   |           ^^^^^^^^^^",
        "hint: did you mean `temperature`?",
      ].join("\n"),
    );
  });
  it("prints warnings, and no frame without a source", () => {
    const d = warning("MS2002", "deprecated", { file: "Modelfile", range: idx.range(12, 21) });
    assert.equal(renderDiagnostic(d), "Modelfile:2:1: warning[MS2002]: deprecated");
  });
  it("prints a diagnostic without a file as just the message", () => {
    assert.equal(renderDiagnostic(error("MS9002", "unknown command `buidl`", { hint: "did you mean `build`?" })), "error[MS9002]: unknown command `buidl`\nhint: did you mean `build`?");
  });
});

describe("suggest", () => {
  it("finds close candidates and refuses distant ones", () => {
    assert.equal(suggest("temprature", ["temperature", "top_p", "top_k"]), "temperature");
    assert.equal(suggest("PARAMTER", ["FROM", "PARAMETER", "SYSTEM"]), "PARAMETER");
    assert.equal(suggest("xyz", ["temperature"]), undefined);
    assert.equal(didYouMean("buidl", ["build", "test"]), "did you mean `build`?");
    assert.equal(editDistance("ab", "ba"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
});

describe("exit codes", () => {
  it("maps error kinds to DESIGN.md's exit codes", () => {
    const d = error("MS9001", "x");
    assert.equal(exitCodeFor(new CheckFailedError(d)), 1);
    assert.equal(exitCodeFor(new InputError(d)), 2);
    assert.equal(exitCodeFor(new EnvironmentError(d)), 3);
    assert.equal(exitCodeFor(new Error("bug")), 4);
  });
});
