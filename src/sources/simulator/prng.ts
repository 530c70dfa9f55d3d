/**
 * A small seeded PRNG (mulberry32, a published 32-bit generator) so a simulator run with a given seed
 * produces the same bytes, faults included, on every machine.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Roughly normal, mean 0, standard deviation 1 (sum of uniforms: cheap and bounded). */
  noise(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.732;
  }
}
