import { error, InputError } from "../diagnostics/index.js";
import type { GgufCode } from "./codes.js";
import type { ByteSource } from "./source.js";

/** Bytes fetched per read when the cursor refills its window. */
const WINDOW = 1 << 16;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * A forward reader over a {@link ByteSource} with a read-ahead window. Every read is
 * bounds-checked against the source's size first, so a claim in the file can never
 * make it allocate more than the bytes that remain. Errors are {@link InputError}s
 * that name the file and the byte offset.
 */
export class Cursor {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private view: DataView = new DataView(new ArrayBuffer(0));
  offset = 0;

  constructor(readonly source: ByteSource) {}

  get remaining(): number {
    return this.source.size - this.offset;
  }

  fail(code: GgufCode, message: string, at = this.offset): never {
    throw new InputError(error(code, `${message} (at byte ${at})`, { file: this.source.name }));
  }

  /** Makes `n` bytes at the offset available to the sync readers, or fails as truncated. */
  async need(n: number, what: string): Promise<void> {
    if (n > this.remaining) this.fail("MS3003", `file ends inside ${what}: needs ${n} bytes, ${this.remaining} left`);
    const end = this.offset + n;
    if (this.offset >= this.windowStart && end <= this.windowStart + this.window.length) return;
    const length = Math.min(Math.max(n, WINDOW), this.remaining);
    const bytes = await this.source.read(this.offset, length);
    if (bytes.length < n) this.fail("MS3003", `file ends inside ${what}: short read`);
    this.window = bytes;
    this.windowStart = this.offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    const at = this.offset - this.windowStart;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  i8(): number {
    return this.view.getInt8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.take(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.take(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  i64(): bigint {
    return this.view.getBigInt64(this.take(8), true);
  }

  /** A count or size stored as u64, checked to be at most `max` (and so a safe number). */
  async count(what: string, max: number, maxReason: string): Promise<number> {
    await this.need(8, what);
    const at = this.offset;
    const n = this.u64();
    if (n > BigInt(max)) this.fail("MS3004", `${what} is ${n}, but ${maxReason}`, at);
    return Number(n);
  }

  /** A GGUF string: u64 byte length, then UTF-8 bytes (invalid sequences become U+FFFD). */
  async string(what: string): Promise<string> {
    const length = await this.count(`length of ${what}`, this.remaining - 8, `only ${Math.max(0, this.remaining - 8)} bytes remain`);
    await this.need(length, what);
    const at = this.take(length);
    return utf8.decode(this.window.subarray(at, at + length));
  }
}
