import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { renderErrorsDoc, renderProjectSchema } from "../scripts/generated.js";
import { ALL_CODES } from "../src/cli/error-codes.js";
import { fromRoot } from "./helpers/paths.js";

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

describe("generated files", () => {
  it("docs/errors.md is up to date (npm run gen)", () => {
    assert.equal(readFileSync(fromRoot("docs/errors.md"), "utf8"), renderErrorsDoc());
  });
  it("schemas/modelsmith.schema.json is up to date (npm run gen)", () => {
    assert.equal(readFileSync(fromRoot("schemas/modelsmith.schema.json"), "utf8"), renderProjectSchema());
  });
  it("every code the source raises is declared, and every declared code is raised", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(fromRoot("src"))) {
      if (file.endsWith("codes.ts")) continue;
      for (const m of readFileSync(file, "utf8").matchAll(/["'`](MS\d{4})["'`]/g)) used.add(m[1]!);
    }
    const declared = new Set(Object.keys(ALL_CODES));
    assert.deepEqual([...used].filter((c) => !declared.has(c)).sort(), [], "raised but not declared in a codes.ts");
    assert.deepEqual([...declared].filter((c) => !used.has(c)).sort(), [], "declared but never raised");
  });
});
