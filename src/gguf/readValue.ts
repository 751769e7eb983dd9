import type { Cursor } from "./cursor.js";
import { fixedValueSize, GgufValueType, isValueType, type GgufValueData } from "./valueTypes.js";

/** Arrays of arrays deeper than this are refused: real files nest at most once. */
export const MAX_ARRAY_DEPTH = 16;

/** Smallest encoding of one array item of a type, to bound item counts by the bytes left. */
function minItemSize(type: GgufValueType): number {
  if (type === GgufValueType.STRING) return 8;
  if (type === GgufValueType.ARRAY) return 12;
  return fixedValueSize(type)!;
}

/** Reads the value type tag (u32) and checks it names a known type. */
export async function readValueType(cur: Cursor, what: string): Promise<GgufValueType> {
  await cur.need(4, `the value type of ${what}`);
  const at = cur.offset;
  const type = cur.u32();
  if (!isValueType(type)) cur.fail("MS3005", `${what} has unknown value type ${type}`, at);
  return type;
}

/** Reads one value of `type`; `what` names it in errors ("metadata general.name"). */
export async function readValue(cur: Cursor, type: GgufValueType, what: string, depth = 0): Promise<GgufValueData> {
  if (type === GgufValueType.STRING) return cur.string(what);
  if (type === GgufValueType.ARRAY) return readArray(cur, what, depth);
  await cur.need(fixedValueSize(type)!, what);
  return readFixed(cur, type);
}

function readFixed(cur: Cursor, type: GgufValueType): number | bigint | boolean {
  switch (type) {
    case GgufValueType.UINT8: return cur.u8();
    case GgufValueType.INT8: return cur.i8();
    case GgufValueType.UINT16: return cur.u16();
    case GgufValueType.INT16: return cur.i16();
    case GgufValueType.UINT32: return cur.u32();
    case GgufValueType.INT32: return cur.i32();
    case GgufValueType.FLOAT32: return cur.f32();
    case GgufValueType.FLOAT64: return cur.f64();
    case GgufValueType.UINT64: return cur.u64();
    case GgufValueType.INT64: return cur.i64();
    // gguf.cpp stores bool as one byte and treats any non-zero byte as true.
    case GgufValueType.BOOL: return cur.u8() !== 0;
    default: throw new Error(`not a fixed-size type: ${type}`);
  }
}

async function readArray(cur: Cursor, what: string, depth: number): Promise<GgufValueData> {
  if (depth >= MAX_ARRAY_DEPTH) cur.fail("MS3005", `${what} nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
  const itemType = await readValueType(cur, `the items of ${what}`);
  const itemSize = minItemSize(itemType);
  const left = Math.max(0, cur.remaining - 8);
  const length = await cur.count(`the length of ${what}`, Math.floor(left / itemSize), `only ${left} bytes remain`);
  const items: GgufValueData[] = new Array(length);
  const fixed = fixedValueSize(itemType);
  if (fixed !== undefined) {
    // Fixed-size items: refill the window in bounded chunks, not one read per item.
    const perChunk = Math.max(1, Math.floor((1 << 16) / fixed));
    for (let i = 0; i < length; ) {
      const n = Math.min(perChunk, length - i);
      await cur.need(n * fixed, what);
      for (const end = i + n; i < end; i++) items[i] = readFixed(cur, itemType);
    }
    return { itemType, items };
  }
  for (let i = 0; i < length; i++) items[i] = await readValue(cur, itemType, `${what}[${i}]`, depth + 1);
  return { itemType, items };
}
