import { describe, expect, it } from 'vitest';
import { meanWithInterval, pairedDifference, tCritical95 } from '../../src/core/statistics.js';

describe('statistics over seeds', () => {
  it('gives the t interval of the mean (scipy: t.interval(.95, 2, loc=2, scale=1/sqrt(3)) = (-0.4843, 4.4843))', () => {
    const { mean, ci } = meanWithInterval([1, 2, 3]);
    expect(mean).toBe(2);
    expect(ci?.[0]).toBeCloseTo(-0.4843, 3);
    expect(ci?.[1]).toBeCloseTo(4.4843, 3);
  });

  it('has no interval for one seed, and one difference never exceeds the noise', () => {
    expect(meanWithInterval([0.5]).ci).toBeNull();
    expect(pairedDifference([0.9], [0.1])).toEqual({ diff: 0.8, ci: null, exceedsNoise: false });
  });

  it('pairs by seed: a constant gain exceeds the noise even when seeds vary a lot', () => {
    const base = [0.4, 0.6, 0.5];
    const better = base.map((x) => x + 0.02);
    const d = pairedDifference(better, base);
    expect(d.diff).toBeCloseTo(0.02, 12);
    expect(d.exceedsNoise).toBe(true);
    expect(pairedDifference([0.52, 0.49, 0.51], [0.5, 0.5, 0.5]).exceedsNoise).toBe(false);
  });

  it('falls back to the normal quantile for many degrees of freedom', () => {
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(100)).toBe(1.96);
  });
});
