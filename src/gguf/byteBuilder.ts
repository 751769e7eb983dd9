/**
 * An append-only little-endian byte buffer that grows by doubling. (Each writer
 * reserves before touching `buf`/`view`: growing replaces both.)
 */
export class ByteBuilder {
  /** A Buffer for its utf8 `write`, which returns the byte count without allocating (TextEncoder.encodeInto needs a view and returns an object per string). */
  private buf = Buffer.alloc(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + n) size *= 2;
      const next = Buffer.alloc(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  i8(v: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  i16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  i32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  u64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
  }
  i64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, true);
  }

  /** A GGUF string: u64 byte length, then the UTF-8 bytes (encoded in place, no copy). */
  str(s: string): void {
    const max = s.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    const at = this.reserve(8 + max);
    const written = this.buf.write(s, at + 8, max, "utf8");
    // Two u32 halves: no BigInt per string (a vocabulary has tens of thousands).
    this.view.setUint32(at, written % 0x100000000, true);
    this.view.setUint32(at + 4, Math.floor(written / 0x100000000), true);
    this.length = at + 8 + written;
  }

  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    const at = this.reserve(n);
    this.buf.fill(0, at, this.length);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.length));
  }
}
