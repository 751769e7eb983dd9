/**
 * Proves that the koffi declaration of `llama_model_quantize_params` matches
 * the llama.cpp that node-llama-cpp 3.21.1 ships, three ways:
 *  1. the field list equals the struct in the bundled include/llama.h;
 *  2. sizes and offsets equal those a C compiler computes from that header,
 *     and the defaults the library returns, decoded by koffi, equal those a
 *     C program linked against the same library prints (when gcc exists);
 *  3. always: sizes, offsets and defaults equal constants derived by hand from
 *     llama.h and src/llama-quant.cpp (see the comments on each).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import koffi from "koffi";
import { ImatrixDataType, KV_OVERRIDE_LAYOUT, KV_OVERRIDE_TYPE, openLibllama, QuantizeParamsType } from "../../src/quantize/ffi.js";
import { findLibllama } from "../../src/quantize/library.js";
import { extractHeaders, llamaSource } from "../../tools/llama-source.js";

const FIELDS = [
  "nthread", "ftype", "output_tensor_type", "token_embedding_type",
  "allow_requantize", "quantize_output_tensor", "only_copy", "pure", "keep_split", "dry_run",
  "imatrix", "kv_overrides", "tt_overrides", "prune_layers", "max_buf_size",
] as const;

interface Member { offset: number }
const members = (t: unknown) => (koffi.type(t as Parameters<typeof koffi.type>[0]) as unknown as { members: Record<string, Member> }).members;
const offsets = (t: unknown) => Object.fromEntries(Object.entries(members(t)).map(([k, m]) => [k, m.offset]));

function libraryPath(): string {
  const lib = findLibllama();
  assert.ok("path" in lib, `libllama not found: ${"reason" in lib ? lib.reason : ""}`);
  return lib.path;
}

test("the declared fields are llama.h's, in order", (t) => {
  const header = llamaSource("include/llama.h");
  if (header === undefined) return t.skip("git is not available to read the bundled llama.cpp");
  const body = /typedef struct llama_model_quantize_params \{([\s\S]*?)\} llama_model_quantize_params;/.exec(header)?.[1];
  assert.ok(body, "llama.h declares llama_model_quantize_params");
  const names = body
    .split("\n")
    .map((l) => l.replace(/\/\/.*$/, "").trim())
    .filter((l) => l.endsWith(";"))
    .map((l) => /([A-Za-z_][A-Za-z0-9_]*)\s*;$/.exec(l)![1]);
  assert.deepEqual(names, [...FIELDS]);
  assert.deepEqual(Object.keys(members(QuantizeParamsType)), [...FIELDS]);
});

// Hand-derived from llama.h on x86-64/arm64 (LP64): int32_t and the two enums
// (int) take 4 bytes each at 0..12, six bools pack at 16..21, the four
// pointers align to 8 at 24..48, size_t at 56: 64 bytes, aligned to 8.
// llama_model_imatrix_data is {const char *, const float *, size_t}: 24 bytes.
test("sizes and offsets are the LP64 layout of llama.h", () => {
  assert.equal(koffi.sizeof(QuantizeParamsType), 64);
  assert.equal(koffi.alignof(QuantizeParamsType), 8);
  assert.deepEqual(offsets(QuantizeParamsType), {
    nthread: 0, ftype: 4, output_tensor_type: 8, token_embedding_type: 12,
    allow_requantize: 16, quantize_output_tensor: 17, only_copy: 18, pure: 19, keep_split: 20, dry_run: 21,
    imatrix: 24, kv_overrides: 32, tt_overrides: 40, prune_layers: 48, max_buf_size: 56,
  });
  assert.equal(koffi.sizeof(ImatrixDataType), 24);
  assert.deepEqual(offsets(ImatrixDataType), { name: 0, data: 8, size: 16 });
  // llama_model_kv_override: enum tag (4) at 0, char key[128] at 4 (ends at
  // 132), the union (int64/double/bool/char[128]) aligned to 8 at 136: 264.
  assert.deepEqual(KV_OVERRIDE_LAYOUT, { size: 264, tag: 0, key: 4, value: 136, keyMax: 128, strMax: 128 });
});

// llama_model_quantize_default_params() in src/llama-quant.cpp: nthread 0,
// ftype LLAMA_FTYPE_MOSTLY_Q8_0 (7), output and token embedding types
// GGML_TYPE_COUNT (43 in ggml.h: the last ggml_type, Q2_0, is 42), only
// quantize_output_tensor true, NULL pointers, max_buf_size
// LLAMA_QUANT_MAX_BUF_SIZE = 8 GiB. A shifted field would misplace these.
test("the library's defaults, decoded by koffi, are llama-quant.cpp's", () => {
  const lib = openLibllama(libraryPath());
  const d = lib.defaultParams();
  assert.deepEqual({ ...d, max_buf_size: BigInt(d.max_buf_size) }, {
    nthread: 0,
    ftype: 7,
    output_tensor_type: 43,
    token_embedding_type: 43,
    allow_requantize: false,
    quantize_output_tensor: true,
    only_copy: false,
    pure: false,
    keep_split: false,
    dry_run: false,
    imatrix: null,
    kv_overrides: null,
    tt_overrides: null,
    prune_layers: null,
    max_buf_size: 8n * 1024n * 1024n * 1024n,
  });
});

const PROBE = `
#include <stdio.h>
#include <stddef.h>
#include "llama.h"
#define OFF(f) printf("\\"%s\\":%zu,", #f, offsetof(struct llama_model_quantize_params, f))
int main(void) {
  struct llama_model_quantize_params p = llama_model_quantize_default_params();
  printf("{\\"size\\":%zu,\\"imatrixDataSize\\":%zu,\\"GGML_TYPE_COUNT\\":%d,\\"offsets\\":{", sizeof p, sizeof(struct llama_model_imatrix_data), (int)GGML_TYPE_COUNT);
  OFF(nthread); OFF(ftype); OFF(output_tensor_type); OFF(token_embedding_type); OFF(allow_requantize);
  OFF(quantize_output_tensor); OFF(only_copy); OFF(pure); OFF(keep_split); OFF(dry_run); OFF(imatrix);
  OFF(kv_overrides); OFF(tt_overrides); OFF(prune_layers);
  printf("\\"max_buf_size\\":%zu},", offsetof(struct llama_model_quantize_params, max_buf_size));
  printf("\\"kv\\":{\\"size\\":%zu,\\"tag\\":%zu,\\"key\\":%zu,\\"value\\":%zu,\\"keyMax\\":%zu,\\"strMax\\":%zu,\\"str\\":%zu,\\"i64\\":%zu},",
    sizeof(struct llama_model_kv_override), offsetof(struct llama_model_kv_override, tag), offsetof(struct llama_model_kv_override, key),
    offsetof(struct llama_model_kv_override, val_i64), sizeof(((struct llama_model_kv_override *)0)->key),
    sizeof(((struct llama_model_kv_override *)0)->val_str), offsetof(struct llama_model_kv_override, val_str), offsetof(struct llama_model_kv_override, val_i64));
  printf("\\"kvTypes\\":{\\"int\\":%d,\\"float\\":%d,\\"bool\\":%d,\\"str\\":%d},", LLAMA_KV_OVERRIDE_TYPE_INT, LLAMA_KV_OVERRIDE_TYPE_FLOAT, LLAMA_KV_OVERRIDE_TYPE_BOOL, LLAMA_KV_OVERRIDE_TYPE_STR);
  printf("\\"defaults\\":{\\"nthread\\":%d,\\"ftype\\":%d,\\"output_tensor_type\\":%d,\\"token_embedding_type\\":%d,", p.nthread, (int)p.ftype, (int)p.output_tensor_type, (int)p.token_embedding_type);
  printf("\\"allow_requantize\\":%s,\\"quantize_output_tensor\\":%s,\\"only_copy\\":%s,\\"pure\\":%s,\\"keep_split\\":%s,\\"dry_run\\":%s,",
    p.allow_requantize ? "true" : "false", p.quantize_output_tensor ? "true" : "false", p.only_copy ? "true" : "false",
    p.pure ? "true" : "false", p.keep_split ? "true" : "false", p.dry_run ? "true" : "false");
  printf("\\"imatrix\\":%s,\\"kv_overrides\\":%s,\\"tt_overrides\\":%s,\\"prune_layers\\":%s,\\"max_buf_size\\":\\"%zu\\"}}\\n",
    p.imatrix ? "1" : "null", p.kv_overrides ? "1" : "null", p.tt_overrides ? "1" : "null", p.prune_layers ? "1" : "null", p.max_buf_size);
  return 0;
}
`;

function hasGcc(): boolean {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("a C compiler and the C library agree with koffi", (t) => {
  if (!hasGcc()) return t.skip("gcc is not installed");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "modelsmith-probe-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (!extractHeaders(dir)) return t.skip("git is not available to read the bundled llama.cpp");
  fs.writeFileSync(path.join(dir, "probe.c"), PROBE);
  const lib = libraryPath();
  const exe = path.join(dir, "probe");
  execFileSync("gcc", ["-std=c11", "-I", dir, path.join(dir, "probe.c"), "-o", exe, lib, `-Wl,-rpath,${path.dirname(lib)}`]);
  const c = JSON.parse(execFileSync(exe, { encoding: "utf8" })) as {
    size: number; imatrixDataSize: number; GGML_TYPE_COUNT: number; offsets: Record<string, number>; defaults: Record<string, unknown>;
    kv: Record<string, number>; kvTypes: Record<string, number>;
  };
  assert.equal(koffi.sizeof(QuantizeParamsType), c.size);
  assert.equal(koffi.sizeof(ImatrixDataType), c.imatrixDataSize);
  assert.deepEqual(offsets(QuantizeParamsType), c.offsets);
  const d = openLibllama(lib).defaultParams();
  assert.deepEqual({ ...d, max_buf_size: String(d.max_buf_size) }, c.defaults);
  assert.equal(d.output_tensor_type, c.GGML_TYPE_COUNT);
  const { str, i64, ...kv } = c.kv;
  assert.deepEqual(KV_OVERRIDE_LAYOUT, kv);
  assert.deepEqual([str, i64], [KV_OVERRIDE_LAYOUT.value, KV_OVERRIDE_LAYOUT.value]);
  assert.deepEqual(KV_OVERRIDE_TYPE, c.kvTypes);
});
