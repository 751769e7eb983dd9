/**
 * GGUF metadata value types (gguf.h `enum gguf_type`) and the in-memory form of a
 * metadata value.
 *
 * Invariants of a {@link GgufMetadataEntry}:
 * - integer types up to 32 bits and FLOAT32/FLOAT64 hold a `number`;
 * - UINT64 and INT64 hold a `bigint` (the full 64-bit range round-trips);
 * - BOOL holds a `boolean`, STRING a `string`;
 * - ARRAY holds a {@link GgufArray}: one item type for all items; an item of an
 *   array of arrays is itself a {@link GgufArray} (each inner array has its own item type).
 */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

export type GgufValueTypeName = keyof typeof GgufValueType;

const NAMES = Object.fromEntries(Object.entries(GgufValueType).map(([k, v]) => [v, k])) as Record<number, GgufValueTypeName>;

/** The name of a value type ("UINT32"), or undefined for a number that is none. */
export function valueTypeName(type: number): GgufValueTypeName | undefined {
  return NAMES[type];
}

export function isValueType(type: number): type is GgufValueType {
  return NAMES[type] !== undefined;
}

/** Encoded size in bytes of a fixed-size value type; undefined for STRING and ARRAY. */
export function fixedValueSize(type: GgufValueType): number | undefined {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

export interface GgufArray {
  itemType: GgufValueType;
  items: GgufValueData[];
}

export type GgufValueData = number | bigint | boolean | string | GgufArray;

export interface GgufMetadataEntry {
  type: GgufValueType;
  value: GgufValueData;
}

/** Metadata in file order. */
export type GgufMetadata = Map<string, GgufMetadataEntry>;

/** Plain JS form of a value: arrays become (nested) JS arrays; bigints stay bigints. */
export type GgufPlainValue = number | bigint | boolean | string | GgufPlainValue[];

export function plainValue(value: GgufValueData): GgufPlainValue {
  return typeof value === "object" ? value.items.map(plainValue) : value;
}

/** Builders for metadata entries, so call sites read `gguf.u32(4096)`. */
export const gv = {
  u8: (v: number): GgufMetadataEntry => ({ type: GgufValueType.UINT8, value: v }),
  i8: (v: number): GgufMetadataEntry => ({ type: GgufValueType.INT8, value: v }),
  u16: (v: number): GgufMetadataEntry => ({ type: GgufValueType.UINT16, value: v }),
  i16: (v: number): GgufMetadataEntry => ({ type: GgufValueType.INT16, value: v }),
  u32: (v: number): GgufMetadataEntry => ({ type: GgufValueType.UINT32, value: v }),
  i32: (v: number): GgufMetadataEntry => ({ type: GgufValueType.INT32, value: v }),
  f32: (v: number): GgufMetadataEntry => ({ type: GgufValueType.FLOAT32, value: v }),
  f64: (v: number): GgufMetadataEntry => ({ type: GgufValueType.FLOAT64, value: v }),
  u64: (v: bigint | number): GgufMetadataEntry => ({ type: GgufValueType.UINT64, value: BigInt(v) }),
  i64: (v: bigint | number): GgufMetadataEntry => ({ type: GgufValueType.INT64, value: BigInt(v) }),
  bool: (v: boolean): GgufMetadataEntry => ({ type: GgufValueType.BOOL, value: v }),
  str: (v: string): GgufMetadataEntry => ({ type: GgufValueType.STRING, value: v }),
  arr: (itemType: GgufValueType, items: GgufValueData[]): GgufMetadataEntry => ({
    type: GgufValueType.ARRAY,
    value: { itemType, items },
  }),
};
