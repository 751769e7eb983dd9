import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/diagnostics/errors.js";
import { QUANTIZE_CODES } from "../../src/quantize/codes.js";
import { fileTypeName, findQuantType, missingImatrixDiagnostic, parseQuantType, QUANT_TYPES, unknownTypeDiagnostic } from "../../src/quantize/types.js";
import { llamaSource } from "../../tools/llama-source.js";

test("names match case-insensitively and aliases name their canonical type", () => {
  const t = findQuantType("q4_k_m");
  assert.deepEqual(t, { name: "Q4_K_M", canonical: "Q4_K_M", ftype: 15, description: "4-bit k-quant, medium", requiresImatrix: false, onlyCopy: false });
  assert.equal(findQuantType(" Iq4_Xs ")?.ftype, 30);
  assert.deepEqual(["q3_k", "q4_k", "q5_k"].map((n) => [findQuantType(n)?.canonical, findQuantType(n)?.ftype]), [["Q3_K_M", 12], ["Q4_K_M", 15], ["Q5_K_M", 17]]);
  assert.equal(findQuantType("COPY")?.onlyCopy, true);
  assert.equal(findQuantType("q4"), undefined);
  assert.equal(findQuantType("15"), undefined);
});

test("an unknown name is InputError MS5501 with a did-you-mean", () => {
  assert.throws(() => parseQuantType("Q4_K_N"), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.deepEqual(e.diagnostics, [{ code: "MS5501", severity: "error", message: 'unknown quantization type "Q4_K_N"', hint: "did you mean `Q4_K_M`?" }]);
    return true;
  });
  assert.equal(unknownTypeDiagnostic("q8_O")?.hint, "did you mean `Q8_0`?");
  assert.equal(unknownTypeDiagnostic("fp16")?.hint, "did you mean `F16`?");
  const far = unknownTypeDiagnostic("gigantic");
  assert.equal(far?.hint, `one of ${QUANT_TYPES.map((x) => x.name).join(", ")}`);
  assert.equal(unknownTypeDiagnostic("q6_k"), undefined);
  const at = { file: "modelsmith.yaml", range: { start: { line: 3, column: 15, offset: 40 }, end: { line: 3, column: 21, offset: 46 } } };
  assert.deepEqual(unknownTypeDiagnostic("Q4_K_X", at)?.range, at.range);
});

test("types that need an importance matrix are refused without one (MS5502)", () => {
  assert.deepEqual(
    QUANT_TYPES.filter((t) => t.requiresImatrix).map((t) => t.name),
    ["IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M", "Q2_K_S", "IQ3_XXS", "IQ3_XS"],
  );
  assert.deepEqual(missingImatrixDiagnostic(parseQuantType("iq2_xxs"), false), {
    code: "MS5502",
    severity: "error",
    message: "quantization type IQ2_XXS needs an importance matrix",
    hint: "give an imatrix file (made by llama-imatrix), or use a type that needs none, e.g. Q2_K, IQ3_S or IQ4_XS",
  });
  assert.equal(missingImatrixDiagnostic(parseQuantType("iq2_xxs"), true), undefined);
  assert.equal(missingImatrixDiagnostic(parseQuantType("q2_k"), false), undefined);
});

test("general.file_type values name the canonical type", () => {
  assert.deepEqual([0, 1, 7, 12, 15, 17, 32, 99].map(fileTypeName), ["F32", "F16", "Q8_0", "Q3_K_M", "Q4_K_M", "Q5_K_M", "BF16", undefined]);
});

test("every code raised here is declared", () => {
  assert.ok("MS5501" in QUANTIZE_CODES && "MS5502" in QUANTIZE_CODES);
});

test("the table is llama-quantize's QUANT_OPTIONS and llama.h's enum values, in the pinned llama.cpp", (t) => {
  const quantize = llamaSource("tools/quantize/quantize.cpp");
  const header = llamaSource("include/llama.h");
  if (quantize === undefined || header === undefined) return t.skip("git is not available to read the bundled llama.cpp");
  const enumValues = new Map([...header.matchAll(/^\s*(LLAMA_FTYPE_\w+)\s*=\s*(\d+),/gm)].map((m) => [m[1]!, Number(m[2])]));
  const options = quantize.slice(quantize.indexOf("QUANT_OPTIONS"), quantize.indexOf("};", quantize.indexOf("QUANT_OPTIONS")));
  const upstream = [...options.matchAll(/\{\s*"(\w+)",\s*(LLAMA_FTYPE_\w+)/g)].map((m) => ({ name: m[1]!, ftype: enumValues.get(m[2]!) }));
  assert.equal(upstream.length, 39);
  assert.deepEqual(QUANT_TYPES.map((q) => ({ name: q.name, ftype: q.ftype })), upstream);
});
