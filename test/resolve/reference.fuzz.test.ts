import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatReference, parseReference, type ReferenceContext } from "../../src/resolve/reference.js";
import { reference } from "./arbitraries.js";

const ctx: ReferenceContext = { aliases: { base: "llama3:8b", "llama3:8b": "testmodel://oracle", loop: "loop", bad: "hf://x" }, projectModels: ["chat", "coder-2"] };

/** Pieces of every form, glued at random, reach deep into each sub-parser. */
const PIECES = [
  "./", "../", "/", "~", "~/", "ollama://", "hf://", "https://", "http://", "oci://", "testmodel://", "project://", "file://",
  "llama3", "chat", "base", "loop", "bad", ":", "8b", "@", "sha256:", "sha256-", "a".repeat(64), "#", "#sha256=", "?", "&", "=",
  "random", "oracle", "embd", "heads", "kv", "256", "3", "type", "f16", "text", "+", "%", "%E0", "localhost", "127.0.0.1", ":5000",
  "example.com", ".", "..", "-", "_", " ", "\t", "x.gguf", "refs/pr/1", "user:pw@", "Org", "é", "\u0000",
];
const referenceLike = fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((a) => a.join(""));

/** Never throws; ranges lie inside the text; what parses prints to a fixed point. */
function wellBehaved(text: string): void {
  const r = parseReference(text, ctx);
  for (const d of r.diagnostics) {
    assert.ok(d.range && d.range.start.offset >= 0 && d.range.end.offset <= text.length && d.range.start.offset <= d.range.end.offset, `range of ${d.code} outside ${JSON.stringify(text)}`);
    assert.match(d.code, /^MS41\d\d$/);
  }
  assert.equal(r.reference === undefined, r.diagnostics.some((d) => d.severity === "error"));
  if (r.reference) {
    const canonical = formatReference(r.reference);
    const again = parseReference(canonical, ctx);
    assert.deepEqual(again.reference, r.reference, `${JSON.stringify(text)} -> ${canonical}`);
    assert.equal(formatReference(again.reference!), canonical);
  }
}

describe("reference fuzz", () => {
  it("parse(format(r)) == r for generated references of every form", () => {
    fc.assert(
      fc.property(reference, (r) => {
        const text = formatReference(r);
        const parsed = parseReference(text, ctx);
        assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === "error"), [], text);
        assert.deepEqual(parsed.reference, r, text);
      }),
      { numRuns: 2000, seed: 41 },
    );
  });

  it("reference-like strings never throw", () => {
    fc.assert(fc.property(referenceLike, wellBehaved), { numRuns: 4000, seed: 42 });
  });

  it("arbitrary unicode strings never throw", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), wellBehaved), { numRuns: 2000, seed: 43 });
  });
});
