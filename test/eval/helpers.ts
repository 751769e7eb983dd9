import assert from "node:assert/strict";
import type { Assertion, TestCase } from "../../src/eval/index.js";
import { validateTestFile } from "../../src/eval/index.js";

/** Validates a test file that must be valid and returns its cases. */
export function casesOf(yaml: string, file = "t.yaml"): TestCase[] {
  const r = validateTestFile(yaml, file, { projectModels: ["fox"] });
  assert.deepEqual(r.diagnostics, [], yaml);
  return r.suite!.cases;
}

/** The assertion written as a YAML flow map, e.g. `{type: contains, value: fox}`, normalized by the real validator. */
export function assertionOf(flow: string): Assertion {
  return casesOf(`tests:\n  - prompt: p\n    assert:\n      - ${flow}\n`)[0]!.assert[0]!;
}
