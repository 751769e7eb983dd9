/**
 * How far one model's next-token distributions are from another's, pure.
 *
 * KL(P || Q) = Σ_t P(t) · ln(P(t) / Q(t)) in nats, P the reference (the
 * unquantized base), Q the variant; terms with P(t) = 0 add nothing, and a
 * Q(t) that underflowed to 0 in float32 counts as FLOAT32_MIN (the smallest
 * positive float32), so the result stays finite. Top-1 agreement: whether the
 * most probable token is the same (the first one, by token id, on a tie).
 */
export const FLOAT32_MIN = 1.401298464324817e-45;

export function klDivergence(p: Float32Array, q: Float32Array): number {
  if (p.length !== q.length) throw new RangeError(`distributions over ${p.length} and ${q.length} tokens`);
  let kl = 0;
  for (let t = 0; t < p.length; t++) {
    const pt = p[t]!;
    if (pt > 0) kl += pt * (Math.log(pt) - Math.log(Math.max(q[t]!, FLOAT32_MIN)));
  }
  // Rounding of float32 probabilities that sum to 1 only approximately can leave a tiny negative sum.
  return Math.max(0, kl);
}

/** The index of the largest value; the first one on a tie. */
export function argmax(p: Float32Array): number {
  let best = 0;
  for (let t = 1; t < p.length; t++) if (p[t]! > p[best]!) best = t;
  return best;
}

export interface Divergence {
  /** Positions compared. */
  positions: number;
  /** Mean KL(P || Q) over the positions, nats; 0 with no positions. */
  meanKl: number;
  /** Share of positions whose most probable token is the same, 0..1; 1 with no positions. */
  top1Agreement: number;
}

/** Running mean KL divergence and top-1 agreement over positions. */
export class DivergenceMeter {
  private positions = 0;
  private klSum = 0;
  private agreed = 0;

  add(p: Float32Array, q: Float32Array): void {
    this.positions++;
    this.klSum += klDivergence(p, q);
    if (argmax(p) === argmax(q)) this.agreed++;
  }

  result(): Divergence {
    const n = this.positions;
    return { positions: n, meanKl: n === 0 ? 0 : this.klSum / n, top1Agreement: n === 0 ? 1 : this.agreed / n };
  }
}
