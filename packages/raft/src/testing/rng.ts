/**
 * A small seeded PRNG (mulberry32): deterministic, fast, good enough for simulation.
 * The same seed always yields the same sequence.
 */
export class Rng {
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

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty array');
    return xs[this.int(xs.length)]!;
  }

  /** A new generator derived from this one (for independent streams, e.g. per node). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }

  /** This generator as a `() => number` for Config.rng. */
  asFunction(): () => number {
    return () => this.next();
  }
}
