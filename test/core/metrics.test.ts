import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accuracy, auroc, entropyBins, pgr, reliabilityMatrix, riskCoverage } from '../../src/core/metrics.js';

describe('PGR', () => {
  // Cells of the paper's Table 1. The paper computed PGR from unrounded accuracies, so the printed PGR must lie within
  // the range our PGR takes over accuracies within +/-0.0005 of the printed ones (PGR is monotone in each of them).
  it.each([
    ['Llama2-7B=>13B, MMLU, filter', 0.404, 0.5, 0.509, 0.913],
    ['Llama2-7B=>13B, HellaSwag, filter', 0.801, 0.827, 0.855, 0.485],
    ['Llama2-7B=>Mistral-7B, HellaSwag, naive', 0.801, 0.842, 0.902, 0.403],
    ['Llama2-7B=>13B, ETHICS, naive', 0.79, 0.672, 0.842, -2.25],
    ['Llama2-7B=>Llama3-8B, MMLU, filter (s.)', 0.404, 0.471, 0.609, 0.326],
  ])('recomputes %s', (_cell, weak, w2s, ceiling, printed) => {
    const p = pgr(weak, w2s, ceiling);
    expect(p.defined).toBe(true);
    const corners: number[] = [];
    for (const dw of [-5e-4, 5e-4]) for (const ds of [-5e-4, 5e-4]) for (const dc of [-5e-4, 5e-4]) {
      const c = pgr(weak + dw, w2s + ds, ceiling + dc);
      if (c.defined) corners.push(c.value);
    }
    expect(printed).toBeGreaterThanOrEqual(Math.min(...corners) - 5e-4);
    expect(printed).toBeLessThanOrEqual(Math.max(...corners) + 5e-4);
    if (p.defined) expect(Math.abs(p.value - printed)).toBeLessThan(0.03);
  });

  it('is undefined when the ceiling does not beat the weak model (Mistral-7B=>Llama3-8B, HellaSwag)', () => {
    const p = pgr(0.894, 0.9, 0.891);
    expect(p.defined).toBe(false);
    if (!p.defined) expect(p.reason).toMatch(/ceiling .* <= weak/);
    expect(pgr(0.5, 0.6, 0.5).defined).toBe(false);
  });
});

describe('accuracy', () => {
  it('counts null predictions as wrong', () => {
    expect(accuracy(['a', null, 'c', 'x'], ['a', 'b', 'c', 'd'])).toBe(0.5);
    expect(() => accuracy([], [])).toThrow();
  });
});

describe('AUROC', () => {
  it('is 1 for a perfect score, 0 for a reversed one, .5 for ties', () => {
    expect(auroc([0.9, 0.8, 0.2, 0.1], [true, true, false, false])).toBe(1);
    expect(auroc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(auroc([0.5, 0.5, 0.5], [true, false, true])).toBe(0.5);
    expect(auroc([1, 2], [true, true])).toBeNull();
  });

  it('equals the pairwise definition', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (pairs) => {
        const scores = pairs.map((p) => p[0]);
        const labels = pairs.map((p) => p[1]);
        const pos = pairs.filter((p) => p[1]).map((p) => p[0]);
        const neg = pairs.filter((p) => !p[1]).map((p) => p[0]);
        if (pos.length === 0 || neg.length === 0) return;
        let wins = 0;
        for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
        expect(auroc(scores, labels)).toBeCloseTo(wins / (pos.length * neg.length), 12);
      }),
    );
  });
});

describe('Fig. 3 entropy bins', () => {
  it('groups by distinct entropy with correct/incorrect counts and accuracy', () => {
    const bins = entropyBins([
      { entropy: 0, correct: true },
      { entropy: 0, correct: true },
      { entropy: 0, correct: false },
      { entropy: 1.6094, correct: false },
    ]);
    expect(bins).toEqual([
      { low: 0, high: 0, correct: 2, incorrect: 1, accuracy: 2 / 3 },
      { low: 1.6094, high: 1.6094, correct: 0, incorrect: 1, accuracy: 0 },
    ]);
  });

  it('makes equal-width bins on request, empty bins with null accuracy', () => {
    const bins = entropyBins([{ entropy: 0, correct: true }, { entropy: 1, correct: false }], 4);
    expect(bins.map((b) => [b.correct, b.incorrect, b.accuracy])).toEqual([[1, 0, 1], [0, 0, null], [0, 0, null], [0, 1, 0]]);
  });
});

describe('Fig. 4 reliability matrix', () => {
  it('averages S_prob per weak label x gold label', () => {
    const m = reliabilityMatrix([
      { weak: '0', gold: '0', score: 1 },
      { weak: '0', gold: '0', score: 0.5 },
      { weak: '1', gold: '0', score: 0.2 },
    ]);
    expect(m.weakLabels).toEqual(['0', '1']);
    expect(m.goldLabels).toEqual(['0']);
    expect(m.mean).toEqual([[0.75], [0.2]]);
    expect(m.count).toEqual([[2], [1]]);
  });
});

describe('risk-coverage', () => {
  it('orders by score, most reliable first, ties together', () => {
    expect(riskCoverage([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toEqual([
      { coverage: 0.25, risk: 0 },
      { coverage: 0.75, risk: 1 / 3 },
      { coverage: 1, risk: 0.5 },
    ]);
  });
});
