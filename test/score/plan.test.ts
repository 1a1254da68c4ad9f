// The plan's k-of-n draws as bitsets must be the very draws of Rng.sampleIndices (the in-memory selection's).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { hasBit, sampleBits } from '../../src/score/plan.js';

describe('sampleBits', () => {
  it('draws the same k of n as Rng.sampleIndices from the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (n, fraction, seed) => {
        const k = Math.floor(fraction * n);
        const bits = sampleBits(Rng.derive(seed, 'x'), n, k);
        const drawn = Array.from({ length: n }, (_, i) => i).filter((i) => hasBit(bits, i));
        expect(drawn).toEqual(Rng.derive(seed, 'x').sampleIndices(n, k));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses to draw more than there is', () => {
    expect(() => sampleBits(new Rng(1), 3, 4)).toThrow(RangeError);
  });
});
