import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MODELFILE_CODES } from "../../src/modelfile/index.js";
import { FIXTURES } from "./helpers.js";

const SRC = fileURLToPath(new URL("../../../src/modelfile/", import.meta.url));

function codesIn(text: string): Set<string> {
  return new Set(text.match(/MS\d{4}/g) ?? []);
}

test("every code the modelfile sources raise is declared in MODELFILE_CODES, and every declared code is raised", () => {
  const used = new Set<string>();
  for (const f of readdirSync(SRC).filter((f) => f.endsWith(".ts") && f !== "codes.ts")) {
    for (const c of codesIn(readFileSync(join(SRC, f), "utf8"))) used.add(c);
  }
  const declared = Object.keys(MODELFILE_CODES);
  assert.deepEqual([...used].sort(), declared.sort());
  for (const c of declared) assert.match(c, /^MS[12]\d{3}$/);
});

test("every declared code is pinned by at least one golden fixture", () => {
  const seen = new Set<string>();
  for (const kind of ["ok", "fail"]) {
    for (const name of readdirSync(join(FIXTURES, kind))) {
      for (const c of codesIn(readFileSync(join(FIXTURES, kind, name, "expected.json"), "utf8"))) seen.add(c);
    }
  }
  assert.deepEqual(Object.keys(MODELFILE_CODES).filter((c) => !seen.has(c)), []);
});
