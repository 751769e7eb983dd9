/** An append-only little-endian byte buffer that grows by doubling. */
export class ByteBuilder {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(v: number): void { this.view.setUint8(this.reserve(1), v); }
  i8(v: number): void { this.view.setInt8(this.reserve(1), v); }
  u16(v: number): void { this.view.setUint16(this.reserve(2), v, true); }
  i16(v: number): void { this.view.setInt16(this.reserve(2), v, true); }
  u32(v: number): void { this.view.setUint32(this.reserve(4), v, true); }
  i32(v: number): void { this.view.setInt32(this.reserve(4), v, true); }
  f32(v: number): void { this.view.setFloat32(this.reserve(4), v, true); }
  f64(v: number): void { this.view.setFloat64(this.reserve(8), v, true); }
  u64(v: bigint): void { this.view.setBigUint64(this.reserve(8), v, true); }
  i64(v: bigint): void { this.view.setBigInt64(this.reserve(8), v, true); }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.reserve(b.length));
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.buf.fill(0, this.reserve(n), this.length);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
