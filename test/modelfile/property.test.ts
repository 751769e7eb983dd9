import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { InputError } from "../../src/diagnostics/errors.js";
import {
  MODELFILE_CODES,
  formatModelfile,
  parseModelfile,
  printModelfile,
  printPlainModelfile,
  readModelfile,
  toPlainModelfile,
  type PlainModelfile,
} from "../../src/modelfile/index.js";

/** Characters that stress quoting: quotes, backslashes, `#`, white space, line breaks, multibyte. */
const tricky = fc.constantFrom('"', '"""', "\\", "#", " ", "\t", "\n", "\u00a0", "a", "b", "Z", ":", "你", "👋", "'", "x y");
const text = (minLength = 0) => fc.array(tricky, { minLength, maxLength: 12 }).map((a) => a.join(""));
const nonEmpty = text(1).filter((s) => s !== "");

const plainModelfile: fc.Arbitrary<PlainModelfile> = fc
  .record({
    from: nonEmpty,
    adapters: fc.array(nonEmpty, { maxLength: 2 }),
    template: fc.option(text().map((s) => s.replace(/[{}]/g, "")), { nil: undefined }),
    system: fc.option(text(), { nil: undefined }),
    temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
    top_k: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    use_mmap: fc.option(fc.boolean(), { nil: undefined }),
    stop: fc.array(nonEmpty, { maxLength: 3 }),
    messages: fc.array(fc.record({ role: fc.constantFrom("system" as const, "user" as const, "assistant" as const), content: text() }), { maxLength: 3 }),
    license: fc.array(text(), { maxLength: 2 }),
    requires: fc.option(fc.constantFrom("0.14.0", "1", "2.3", "1.0.0-rc.1"), { nil: undefined }),
    format: fc.option(
      fc.oneof(fc.constant({ kind: "json" as const }), nonEmpty.filter((p) => !/^[{[]/.test(p.trim()) && p.trim().toLowerCase() !== "json").map((path) => ({ kind: "schema" as const, path }))),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const parameters: PlainModelfile["parameters"] = {};
    if (r.temperature !== undefined) parameters["temperature"] = r.temperature;
    if (r.top_k !== undefined) parameters["top_k"] = r.top_k;
    if (r.use_mmap !== undefined) parameters["use_mmap"] = r.use_mmap;
    if (r.stop.length > 0) parameters["stop"] = r.stop;
    const m: PlainModelfile = { from: r.from, adapters: r.adapters, parameters, messages: r.messages, license: r.license };
    if (r.template !== undefined) m.template = r.template;
    if (r.system !== undefined) m.system = r.system;
    if (r.requires !== undefined) m.requires = r.requires;
    if (r.format !== undefined) m.format = r.format;
    return m;
  });

/** Reads in the same key order toPlainModelfile writes, so deepEqual compares values only. */
const canonical = (m: PlainModelfile) => JSON.parse(JSON.stringify(m, Object.keys(m).concat(["kind", "path", "role", "content"]).concat(Object.keys(m.parameters)))) as unknown;

test("generated Modelfiles survive print and parse unchanged", () => {
  fc.assert(
    fc.property(plainModelfile, (m) => {
      const printed = printPlainModelfile(m);
      const loaded = readModelfile(printed);
      assert.deepEqual(loaded.diagnostics, [], printed);
      assert.deepEqual(canonical(toPlainModelfile(loaded.modelfile)), canonical(m));
      assert.equal(formatModelfile(printed), printed, "the typed printer writes canonical text");
    }),
    { numRuns: 300 },
  );
});

/** Modelfile-shaped noise: keywords, names, quotes, comments and line breaks in any order. */
const pieces = fc.constantFrom(
  "FROM ", "from ", "PARAMETER ", "stop ", "temperature ", "top_k ", "MESSAGE ", "user ", "assistant ", "SYSTEM ", "TEMPLATE ",
  "LICENSE ", "ADAPTER ", "FORMAT ", "REQUIRES ", "json", "0.5", "1.2.3", "x", '"', '"""', "\\", "#", " ", "\t", "\n", "\r\n", "\r", "{{ .Prompt }}", "{{", "你好",
);
const noise = fc.array(pieces, { maxLength: 40 }).map((a) => a.join(""));

function checkInvariants(source: string | Uint8Array): void {
  const loaded = readModelfile(source, "M");
  for (const d of loaded.diagnostics) {
    assert.ok(d.code in MODELFILE_CODES || /^MS7\d{3}$/.test(d.code), `unexpected code ${d.code}`);
    assert.equal(d.file, "M");
    assert.ok(d.range, `${d.code} has a range`);
    assert.ok(d.range.start.offset <= d.range.end.offset && d.range.end.offset <= loaded.text.length, `${d.code} range inside the text`);
  }
  let formatted: string;
  try {
    formatted = formatModelfile(loaded.text);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.ok(loaded.diagnostics.some((d) => d.severity === "error" && d.code.startsWith("MS1")));
    return;
  }
  const again = readModelfile(formatted);
  assert.deepEqual(toPlainModelfile(again.modelfile), toPlainModelfile(loaded.modelfile), formatted);
  // Decoding problems (invalid UTF-8, MS1001; an odd byte in UTF-16, MS1011) belong to the bytes, not to the text formatted from them.
  const decoding = new Set(["MS1001", "MS1011"]);
  // The same problems, in any order: the formatter puts instructions in canonical order (FROM first), and diagnostics follow positions.
  // Found by this property: "FORMAT {{\nFROM FROM #" gives MS2011 then MS1008, its formatted text MS1008 then MS2011.
  const codes = (ds: readonly { code: string }[]) => ds.map((d) => d.code).sort();
  assert.deepEqual(codes(again.diagnostics), codes(loaded.diagnostics.filter((d) => !decoding.has(d.code))));
  assert.equal(printModelfile(parseModelfile(formatted).ast), formatted, "idempotent");
}

test("Modelfile-shaped noise: never throws; diagnostics have codes and ranges; format round-trips", () => {
  fc.assert(fc.property(noise, checkInvariants), { numRuns: 1500 });
});

test("arbitrary strings and bytes never crash the reader", () => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), checkInvariants), { numRuns: 500 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => checkInvariants(b)), { numRuns: 500 });
  // Found by this property in CI: a UTF-16 BE BOM then one odd byte (MS1011 belongs to the bytes, not to the formatted text).
  checkInvariants(Uint8Array.from([0xfe, 0xff, 0x00]));
  checkInvariants("FORMAT {{\nFROM FROM #");
});
