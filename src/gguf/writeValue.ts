import { error, InputError } from "../diagnostics/index.js";
import type { ByteBuilder } from "./byteBuilder.js";
import { GgufValueType, isValueType, valueTypeName, type GgufValueData } from "./valueTypes.js";

const INT_RANGES: Partial<Record<GgufValueType, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

const BIG_RANGES: Partial<Record<GgufValueType, [bigint, bigint]>> = {
  [GgufValueType.UINT64]: [0n, (1n << 64n) - 1n],
  [GgufValueType.INT64]: [-(1n << 63n), (1n << 63n) - 1n],
};

/** What a value is called in errors; a function for an array's items, so that no name is built unless one is needed. */
type What = string | (() => string);

function invalid(what: What, message: string): never {
  throw new InputError(error("MS3013", `${typeof what === "string" ? what : what()}: ${message}`));
}

/** Appends a GGUF string: u64 byte length, then UTF-8 bytes. */
export function writeString(out: ByteBuilder, s: string): void {
  out.str(s);
}

/**
 * Appends one value of `type` (without its type tag, which the caller writes);
 * checks that the value fits the type first. `what` names the value in errors.
 */
export function writeValue(out: ByteBuilder, type: GgufValueType, value: GgufValueData, what: What): void {
  if (!isValueType(type)) invalid(what, `unknown value type ${String(type)}`);
  const name = valueTypeName(type);
  const intRange = INT_RANGES[type];
  if (intRange !== undefined) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < intRange[0] || value > intRange[1]) {
      invalid(what, `${String(value)} is not a ${name}`);
    }
  }
  const bigRange = BIG_RANGES[type];
  if (bigRange !== undefined) {
    const ok = (typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value))) &&
      BigInt(value) >= bigRange[0] && BigInt(value) <= bigRange[1];
    if (!ok) invalid(what, `${String(value)} is not a ${name}`);
  }
  switch (type) {
    case GgufValueType.UINT8: return out.u8(value as number);
    case GgufValueType.INT8: return out.i8(value as number);
    case GgufValueType.UINT16: return out.u16(value as number);
    case GgufValueType.INT16: return out.i16(value as number);
    case GgufValueType.UINT32: return out.u32(value as number);
    case GgufValueType.INT32: return out.i32(value as number);
    case GgufValueType.UINT64: return out.u64(BigInt(value as bigint));
    case GgufValueType.INT64: return out.i64(BigInt(value as bigint));
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof value !== "number") invalid(what, `${String(value)} is not a ${name}`);
      return type === GgufValueType.FLOAT32 ? out.f32(value) : out.f64(value);
    case GgufValueType.BOOL:
      if (typeof value !== "boolean") invalid(what, `${String(value)} is not a BOOL`);
      return out.u8(value ? 1 : 0);
    case GgufValueType.STRING:
      if (typeof value !== "string") invalid(what, `${String(value)} is not a STRING`);
      return writeString(out, value);
    case GgufValueType.ARRAY: {
      if (typeof value !== "object" || value === null || !Array.isArray(value.items)) invalid(what, "an ARRAY needs {itemType, items}");
      if (!isValueType(value.itemType)) invalid(what, `unknown array item type ${String(value.itemType)}`);
      out.u32(value.itemType);
      out.u64(BigInt(value.items.length));
      const items = value.items;
      const label = () => (typeof what === "string" ? what : what());
      // A vocabulary is three arrays of tens of thousands of items: the common item types without a call per item.
      if (value.itemType === GgufValueType.STRING) {
        for (let i = 0; i < items.length; i++) {
          const v = items[i];
          if (typeof v !== "string") invalid(() => `${label()}[${i}]`, `${String(v)} is not a STRING`);
          out.str(v);
        }
        return;
      }
      if (value.itemType === GgufValueType.FLOAT32) {
        for (let i = 0; i < items.length; i++) {
          const v = items[i];
          if (typeof v !== "number") invalid(() => `${label()}[${i}]`, `${String(v)} is not a FLOAT32`);
          out.f32(v);
        }
        return;
      }
      if (value.itemType === GgufValueType.INT32) {
        for (let i = 0; i < items.length; i++) {
          const v = items[i];
          if (typeof v !== "number" || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) invalid(() => `${label()}[${i}]`, `${String(v)} is not a INT32`);
          out.i32(v);
        }
        return;
      }
      for (let i = 0; i < items.length; i++) writeValue(out, value.itemType, items[i]!, () => `${label()}[${i}]`);
      return;
    }
  }
}
