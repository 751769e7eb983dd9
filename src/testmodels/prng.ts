/**
 * xoshiro128** (Blackman and Vigna), a small fast 32-bit PRNG, seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Deterministic on every
 * platform: only 32-bit integer arithmetic (Math.imul, shifts). Not cryptographic.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any integer (reduced to 32 bits); `stream` picks an independent sequence. */
  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator in a given raw state (for checking against reference vectors). */
  static fromState(a: number, b: number, c: number, d: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    [g.a, g.b, g.c, g.d] = [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
    return g;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1), 24 bits of precision (exact in float32). */
  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Fills `out` with uniform values in [-scale, scale). */
  fillUniform(out: Float32Array, scale: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = (((this.nextU32() >>> 8) / 8388608) - 1) * scale;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
