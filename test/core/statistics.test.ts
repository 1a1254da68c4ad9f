import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { bootstrapMean, holmAdjust, normalUpperTail } from '../../src/core/statistics.js';

describe('the bootstrap over seeds x test questions, and Holm', () => {
  it('finds a constant paired gain exactly, with p = 0 (no replicate varies)', () => {
    const diffs = [Array(50).fill(1), Array(50).fill(1)];
    const e = bootstrapMean(diffs, new Rng(1), 999);
    expect(e.value).toBe(1);
    expect(e.ci).toEqual([1, 1]);
    expect(e.p).toBe(0);
  });

  it('gives p from the bootstrap standard error: far below 2 / (replicates + 1) for a clear effect, as a correction needs', () => {
    // 30 of 100 questions gained, none lost: z = 0.3 / se, se about sqrt(0.3 * 0.7 / 100) = 0.046.
    const diffs = [[...Array(30).fill(1), ...Array(70).fill(0)]];
    const e = bootstrapMean(diffs, new Rng(4), 2000);
    expect(e.p).toBeLessThan(1e-6);
    expect(e.p).toBeGreaterThan(0);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(-1)).toBeCloseTo(0.841345, 6);
  });

  it('gives p = 1 and an interval around 0 for no difference at all', () => {
    const e = bootstrapMean([[1, -1, 0, 1, -1, 0, 0, 0]], new Rng(2), 999);
    expect(e.value).toBe(0);
    expect(e.ci[0]).toBeLessThan(0);
    expect(e.ci[1]).toBeGreaterThan(0);
    expect(e.p).toBe(1);
  });

  it('resamples exactly as drawing each question with Rng.int does (the intervals of earlier runs are reproduced)', () => {
    const source = new Rng(11);
    const scores = [0, 1, 2].map(() => Array.from({ length: 97 }, () => source.int(3) - 1));
    const rng = new Rng(5);
    const samples: number[] = [];
    for (let r = 0; r < 300; r++) {
      let total = 0;
      for (let s = 0; s < 3; s++) {
        const row = scores[rng.int(3)]!;
        for (let i = 0; i < 97; i++) total += row[rng.int(97)]!;
      }
      samples.push(total / (3 * 97));
    }
    samples.sort((a, b) => a - b);
    const e = bootstrapMean(scores, new Rng(5), 300);
    expect(e.ci).toEqual([samples[Math.round(0.025 * 299)], samples[Math.round(0.975 * 299)]]);
  });

  it('widens the interval when seeds disagree (their variance counts), and is reproducible from its seed', () => {
    const agree = [[...Array(40).fill(1), ...Array(60).fill(0)], [...Array(40).fill(1), ...Array(60).fill(0)]];
    const disagree = [[...Array(10).fill(1), ...Array(90).fill(0)], [...Array(70).fill(1), ...Array(30).fill(0)]];
    const width = (e: { ci: [number, number] }): number => e.ci[1] - e.ci[0];
    expect(width(bootstrapMean(disagree, new Rng(3)))).toBeGreaterThan(2 * width(bootstrapMean(agree, new Rng(3))));
    expect(bootstrapMean(disagree, new Rng(3))).toEqual(bootstrapMean(disagree, new Rng(3)));
  });

  it("adjusts p-values by Holm's step-down rule (statsmodels multipletests(method='holm'))", () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
  });
});
