import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';

describe('Rng.ints: many draws at once', () => {
  it('draws the same integers as Rng.int, in order, and leaves the generator where those calls would', () => {
    for (const [seed, n, count] of [[1, 640, 2000], [7, 3, 17], ['bootstrap:task:naive', 236, 1], [42, 0x7fffffff, 500], [9, 1, 5]] as const) {
      const bulk = new Rng(seed);
      const single = new Rng(seed);
      const out = new Int32Array(count);
      bulk.ints(n, out);
      const expected = Int32Array.from({ length: count }, () => single.int(n));
      expect(out, `seed ${seed}, n ${n}`).toEqual(expected);
      expect(bulk.nextUint32()).toBe(single.nextUint32());
    }
  });

  it('fills nothing for an empty array and refuses a bound that is not a positive 32-bit integer', () => {
    const rng = new Rng(3);
    const twin = new Rng(3);
    rng.ints(5, new Int32Array(0));
    expect(rng.next()).toBe(twin.next());
    for (const n of [0, -1, 2.5, 2 ** 31]) expect(() => rng.ints(n, new Int32Array(1))).toThrow(RangeError);
  });
});
