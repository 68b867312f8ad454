/**
 * A small seeded pseudo-random generator (mulberry32) so a simulation is the
 * same run after run for the same seed. Not for cryptography.
 */

/** Deterministic random numbers from a 32-bit seed. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `k` distinct indices out of [0, n), in increasing order (a partial Fisher-Yates shuffle). */
  sample(n: number, k: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    const m = Math.min(k, n);
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, m).sort((x, y) => x - y);
  }
}
