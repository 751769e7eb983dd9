import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeModelfile } from "../../src/modelfile/index.js";
import { summarize } from "./helpers.js";

const utf16 = (s: string, le: boolean) => {
  const b = Buffer.from(s, "utf16le");
  if (!le) b.swap16();
  return new Uint8Array(b);
};
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const text = "FROM x\r\nSYSTEM 你好👋\n";

test("UTF-8 with and without BOM; CRLF stays in the text", () => {
  assert.deepEqual(decodeModelfile(new TextEncoder().encode(text)), { text, encoding: "utf-8", bom: false, diagnostics: [] });
  assert.deepEqual(decodeModelfile(cat(new Uint8Array([0xef, 0xbb, 0xbf]), new TextEncoder().encode(text))), { text, encoding: "utf-8", bom: true, diagnostics: [] });
});

test("UTF-16 LE and BE, with a BOM and without one", () => {
  assert.deepEqual(decodeModelfile(cat(new Uint8Array([0xff, 0xfe]), utf16(text, true))), { text, encoding: "utf-16le", bom: true, diagnostics: [] });
  assert.deepEqual(decodeModelfile(cat(new Uint8Array([0xfe, 0xff]), utf16(text, false))), { text, encoding: "utf-16be", bom: true, diagnostics: [] });
  assert.deepEqual(decodeModelfile(utf16(text, true)), { text, encoding: "utf-16le", bom: false, diagnostics: [] });
  assert.deepEqual(decodeModelfile(utf16(text, false)), { text, encoding: "utf-16be", bom: false, diagnostics: [] });
});

test("text without zero bytes is never taken for BOM-less UTF-16", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (s) => {
      const bytes = new TextEncoder().encode(s.replace(/\0/g, ""));
      assert.equal(decodeModelfile(bytes).encoding, "utf-8");
    }),
  );
});

test("invalid UTF-8: one MS1001 per bad sequence, at its position in the decoded text", () => {
  const bytes = cat(new TextEncoder().encode("FROM x\nSYSTEM ab"), new Uint8Array([0xc3, 0x28, 0xe2, 0x82]), new TextEncoder().encode("\n"));
  const d = decodeModelfile(bytes, "Modelfile");
  assert.equal(d.text, "FROM x\nSYSTEM ab\ufffd(\ufffd\n");
  assert.deepEqual(d.diagnostics.map(summarize), [
    { severity: "error", code: "MS1001", line: 2, column: 10, message: "invalid UTF-8 byte 0xC3", hint: "save the file as UTF-8; the byte is shown as U+FFFD" },
    { severity: "error", code: "MS1001", line: 2, column: 12, message: "invalid UTF-8 byte 0xE2", hint: "save the file as UTF-8; the byte is shown as U+FFFD" },
  ]);
  assert.equal(d.diagnostics[0]!.file, "Modelfile");
});

test("lenient UTF-8 decoding matches the WHATWG decoder on any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
      // Avoid the BOM and UTF-16 paths: keep the bytes non-zero and off BOM prefixes.
      const bytes = cat(new TextEncoder().encode("#"), raw.map((b) => b || 1));
      const d = decodeModelfile(bytes);
      assert.equal(d.encoding, "utf-8");
      assert.equal(d.text, new TextDecoder("utf-8").decode(bytes));
      let valid = true;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(d.diagnostics.length === 0, valid);
    }),
    { numRuns: 500 },
  );
});

test("a UTF-16 file with an odd byte count: MS1011 at the end", () => {
  const d = decodeModelfile(cat(new Uint8Array([0xff, 0xfe]), utf16("FROM x\n", true), new Uint8Array([0x41])));
  assert.equal(d.text, "FROM x\n");
  assert.deepEqual(d.diagnostics.map((x) => [x.code, x.range?.start.line, x.range?.start.column]), [["MS1011", 2, 1]]);
});
