import koffi from "koffi";

/**
 * koffi bindings for the quantization API of the pinned llama.cpp
 * (include/llama.h of the release node-llama-cpp 3.21.1 bundles).
 *
 * `llama_model_quantize_params` is declared field by field in llama.h's
 * order; koffi lays it out with the C ABI rules (64 bytes on 64-bit targets).
 * A test compares koffi's size and offsets with a C compiler's and the
 * defaults llama.cpp returns with the ones llama-quant.cpp writes.
 *
 * Enums are C `int`. Pointers we do not use are NULL; `imatrix` points to an
 * array of `llama_model_imatrix_data` ended by an entry whose name is NULL.
 */
export const QuantizeParamsType = koffi.struct("llama_model_quantize_params", {
  nthread: "int32_t", // <= 0: std::thread::hardware_concurrency()
  ftype: "int", // enum llama_ftype
  output_tensor_type: "int", // enum ggml_type; GGML_TYPE_COUNT = llama.cpp's choice
  token_embedding_type: "int", // enum ggml_type; GGML_TYPE_COUNT = llama.cpp's choice
  allow_requantize: "bool",
  quantize_output_tensor: "bool",
  only_copy: "bool",
  pure: "bool",
  keep_split: "bool",
  dry_run: "bool",
  imatrix: "void *", // const struct llama_model_imatrix_data *
  kv_overrides: "void *", // const struct llama_model_kv_override *
  tt_overrides: "void *", // const struct llama_model_tensor_override *
  prune_layers: "void *", // const int32_t *
  max_buf_size: "size_t", // 0 = llama.cpp's default (8 GiB)
});

export const ImatrixDataType = koffi.struct("llama_model_imatrix_data", {
  name: "const char *",
  data: "const float *",
  size: "size_t",
});

/**
 * `struct llama_model_kv_override` is written byte by byte (koffi has no
 * anonymous unions): enum tag (int) at 0, char key[128] at 4, then the union
 * {int64_t val_i64; double val_f64; bool val_bool; char val_str[128];}
 * aligned to 8 at 136; 264 bytes. An entry whose key is empty ends the array.
 * The layout test checks these numbers against a C compiler.
 */
export const KV_OVERRIDE_LAYOUT = { size: 264, tag: 0, key: 4, value: 136, keyMax: 128, strMax: 128 } as const;
/** enum llama_model_kv_override_type */
export const KV_OVERRIDE_TYPE = { int: 0, float: 1, bool: 2, str: 3 } as const;

/** A metadata key llama.cpp sets on the output: strings as GGUF strings, integers as u32. */
export type KvOverride = { key: string; str: string } | { key: string; int: number };

const LogCallback = koffi.proto("void modelsmith_ggml_log_callback(int level, const char *text, void *user_data)");

/** `llama_model_quantize_params` as JS sees it. */
export interface QuantizeParams {
  nthread: number;
  ftype: number;
  output_tensor_type: number;
  token_embedding_type: number;
  allow_requantize: boolean;
  quantize_output_tensor: boolean;
  only_copy: boolean;
  pure: boolean;
  keep_split: boolean;
  dry_run: boolean;
  imatrix: unknown;
  kv_overrides: unknown;
  tt_overrides: unknown;
  prune_layers: unknown;
  max_buf_size: number | bigint;
}

/** Native memory holding an imatrix for one call; `free` it after the call. */
export interface NativeMemory {
  readonly pointer: unknown;
  free(): void;
}

export interface Libllama {
  readonly path: string;
  /** llama_version(), e.g. "0.4.0-dev". */
  version(): string;
  defaultParams(): QuantizeParams;
  /** llama_backend_init(): ggml's f16 tables and timers; once per process. */
  backendInit(): void;
  /** Routes llama.cpp's and ggml's log to `onLog`; null restores stderr. */
  setLog(onLog: ((level: number, text: string) => void) | null): void;
  /**
   * llama_model_quantize on one of koffi's worker threads, so the calling
   * thread's event loop runs (log callbacks are delivered on it). Resolves to
   * llama.cpp's return code: 0 ok, 1 failed (the reason is in the log).
   */
  quantize(input: string, output: string, params: QuantizeParams): Promise<number>;
  /** Copies an importance matrix (tensor name -> one value per column) into native memory. */
  encodeImatrix(entries: ReadonlyMap<string, Float32Array>): NativeMemory;
  /** Writes a terminated `llama_model_kv_override` array into native memory. */
  encodeKvOverrides(overrides: readonly KvOverride[]): NativeMemory;
}

export function openLibllama(path: string): Libllama {
  const lib = koffi.load(path);
  const version = lib.func("const char *llama_version(void)");
  const defaults = lib.func("llama_model_quantize_default_params", QuantizeParamsType, []);
  const backendInit = lib.func("void llama_backend_init(void)");
  const logSet = lib.func("void llama_log_set(modelsmith_ggml_log_callback *cb, void *user_data)");
  const quantize = lib.func("uint32_t llama_model_quantize(const char *fname_inp, const char *fname_out, const llama_model_quantize_params *params)");
  let registered: unknown = null;

  return {
    path,
    version: () => version() as string,
    defaultParams: () => defaults() as QuantizeParams,
    backendInit: () => backendInit(),
    setLog(onLog) {
      const previous = registered;
      registered = onLog ? koffi.register((level: number, text: string | null) => onLog(level, text ?? ""), koffi.pointer(LogCallback)) : null;
      logSet(registered, null);
      if (previous !== null) koffi.unregister(previous as bigint);
    },
    quantize: (input, output, params) =>
      new Promise((resolve, reject) => {
        quantize.async(input, output, params, (err: unknown, rc: number) => (err ? reject(err) : resolve(rc)));
      }),
    encodeImatrix: (entries) => encodeImatrix(entries),
    encodeKvOverrides: (overrides) => encodeKvOverrides(overrides),
  };
}

function encodeImatrix(entries: ReadonlyMap<string, Float32Array>): NativeMemory {
  const blocks: unknown[] = [];
  const rows: Array<{ name: string | null; data: unknown; size: number }> = [];
  for (const [name, values] of entries) {
    const data = koffi.alloc("float", Math.max(1, values.length));
    blocks.push(data);
    new Float32Array(koffi.view(data, values.length * 4)).set(values);
    rows.push({ name, data, size: values.length });
  }
  rows.push({ name: null, data: null, size: 0 }); // terminator
  const array = koffi.alloc(ImatrixDataType, rows.length);
  blocks.push(array);
  koffi.encode(array, koffi.array(ImatrixDataType, rows.length), rows);
  return {
    pointer: array,
    free: () => blocks.splice(0).forEach((b) => koffi.free(b)),
  };
}

function encodeKvOverrides(overrides: readonly KvOverride[]): NativeMemory {
  const L = KV_OVERRIDE_LAYOUT;
  const bytes = new Uint8Array(L.size * (overrides.length + 1)); // zeroed: the last entry's empty key ends the array
  const view = new DataView(bytes.buffer);
  overrides.forEach((o, i) => {
    const at = i * L.size;
    const key = new TextEncoder().encode(o.key);
    if (key.length >= L.keyMax) throw new Error(`kv override key too long: ${o.key}`);
    bytes.set(key, at + L.key);
    if ("str" in o) {
      view.setInt32(at + L.tag, KV_OVERRIDE_TYPE.str, true);
      // llama-quantize truncates values to 127 bytes the same way (strncpy + NUL).
      bytes.set(new TextEncoder().encode(o.str).subarray(0, L.strMax - 1), at + L.value);
    } else {
      view.setInt32(at + L.tag, KV_OVERRIDE_TYPE.int, true);
      view.setBigInt64(at + L.value, BigInt(o.int), true);
    }
  });
  const memory = koffi.alloc("uint8_t", bytes.length);
  new Uint8Array(koffi.view(memory, bytes.length)).set(bytes);
  return { pointer: memory, free: () => koffi.free(memory) };
}
