/**
 * A small seeded random generator (xoshiro128**), so every random choice in w2s is reproducible from a seed.
 * Core code never uses Math.random: a seed (or an Rng derived from one) is always passed in.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number | string) {
    // SplitMix32 expands the seed into the four state words (all-zero state is impossible this way).
    let x = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /**
   * Fills `out` with uniform integers in [0, n): the same numbers, in the same order, as `out.length` calls of
   * {@link int}, with the state in locals for the length of the loop (a bootstrap draws millions).
   */
  ints(n: number, out: Int32Array): void {
    if (!Number.isInteger(n) || n <= 0 || n > 0x7fffffff) throw new RangeError(`Rng.ints: n must be a positive 32-bit integer, got ${n}`);
    let { s0, s1, s2, s3 } = this;
    for (let i = 0; i < out.length; i++) {
      // Two nextUint32 steps, then next()'s 53-bit float, inlined and written out twice (a loop over the two ran 2.4x
      // slower in V8).
      const hi = (Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0) >>> 5;
      let t = (s1 << 9) >>> 0;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      const lo = (Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0) >>> 6;
      t = (s1 << 9) >>> 0;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = Math.floor(((hi * 67108864 + lo) / 9007199254740992) * n);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** A new array with the items in a uniformly random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** k distinct indices from [0, n), uniformly, in ascending order. */
  sampleIndices(n: number, k: number): number[] {
    if (k > n || k < 0) throw new RangeError(`Rng.sampleIndices: cannot draw ${k} of ${n}`);
    // Floyd's algorithm: O(k) draws, no array of size n.
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return [...chosen].sort((a, b) => a - b);
  }

  /** An independent generator derived from this seed and a label (e.g. a question id). */
  static derive(seed: number | string, label: string): Rng {
    return new Rng(derivedSeed(seed, label));
  }
}

/** The 32-bit seed of {@link Rng.derive}(seed, label): for code that runs the same stream elsewhere (native kernels). */
export function derivedSeed(seed: number | string, label: string): number {
  return hashString(`${seed}\u0000${label}`);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a over UTF-16 code units, then mixed: a stable 32-bit hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}
