import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  answerDistribution,
  entropy,
  percentile,
  percentileOfCounts,
  reliabilityOf,
  reliabilityScores,
  tau,
} from '../../src/core/reliability.js';
import { Rng } from '../../src/core/rng.js';

describe('answer distribution (Eq. 2)', () => {
  it("reproduces the paper's worked example: {2%, 5%, 10%, 10%, 5%}", () => {
    const dist = answerDistribution(['2%', '5%', '10%', '10%', '5%']);
    expect(dist.n).toBe(5);
    expect(dist.classes.map((c) => c.answer).sort()).toEqual(['10%', '2%', '5%']);
    const p = (answer: string): number => (dist.classes.find((c) => c.answer === answer)?.count ?? 0) / dist.n;
    expect(p('10%')).toBeCloseTo(2 / 5, 15);
    expect(p('5%')).toBeCloseTo(2 / 5, 15);
    expect(p('2%')).toBeCloseTo(1 / 5, 15);
  });

  it('counts an unparseable answer (null) as a class of its own', () => {
    const dist = answerDistribution(['A', null, null, 'A', 'B']);
    expect(dist.classes).toEqual([
      { answer: 'A', count: 2 },
      { answer: null, count: 2 },
      { answer: 'B', count: 1 },
    ]);
  });
});

describe('entropy (Eq. 3, natural log)', () => {
  // docs/method.md, Sec. 4.2: the values entropy takes for N = 5.
  const cases: Array<[string, (string | null)[], number]> = [
    ['5', ['a', 'a', 'a', 'a', 'a'], 0],
    ['4+1', ['a', 'a', 'a', 'a', 'b'], 0.5004],
    ['3+2', ['a', 'a', 'a', 'b', 'b'], 0.673],
    ['3+1+1', ['a', 'a', 'a', 'b', 'c'], 0.9503],
    ['2+2+1', ['a', 'a', 'b', 'b', 'c'], 1.0549],
    ['2+1+1+1', ['a', 'a', 'b', 'c', 'd'], 1.3322],
    ['1+1+1+1+1', ['a', 'b', 'c', 'd', 'e'], 1.6094],
  ];
  it.each(cases)('split %s gives the reference value', (_split, answers, expected) => {
    expect(entropy(answerDistribution(answers))).toBeCloseTo(expected, 4);
  });

  it('is 0 when all agree and ln N when all differ', () => {
    expect(entropy(answerDistribution(['x', 'x']))).toBe(0);
    expect(entropy(answerDistribution(['x', 'y']))).toBeCloseTo(Math.log(2), 15);
  });

  it('depends only on the multiset of counts, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('A', 'B', 'C', 'D', null), { minLength: 1, maxLength: 12 }), fc.integer(), (answers, seed) => {
        const shuffled = new Rng(seed).shuffle(answers);
        const relabelled = answers.map((a) => (a === null ? null : `option ${a}`));
        const h = entropy(answerDistribution(answers));
        expect(entropy(answerDistribution(shuffled))).toBe(h);
        expect(entropy(answerDistribution(relabelled))).toBe(h);
      }),
    );
  });
});

describe('S_prob (Eq. 4, T = 0.2)', () => {
  it('gives the reference values: 5:0 -> 1, 4:1 -> .9526/.0474, all different -> .2', () => {
    expect(reliabilityScores(answerDistribution(['a', 'a', 'a', 'a', 'a']))).toEqual([1]);
    const [major, minor] = reliabilityScores(answerDistribution(['a', 'a', 'a', 'a', 'b']));
    expect(major).toBeCloseTo(0.9526, 4);
    expect(minor).toBeCloseTo(0.0474, 4);
    for (const s of reliabilityScores(answerDistribution(['a', 'b', 'c', 'd', 'e']))) expect(s).toBeCloseTo(0.2, 12);
  });

  it('matches the formula exp(p_k/T) / sum exp(p_j/T) for any split and temperature', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('A', 'B', 'C', null), { minLength: 1, maxLength: 10 }), fc.double({ min: 0.05, max: 5, noNaN: true }), (answers, t) => {
        const dist = answerDistribution(answers);
        const denom = dist.classes.reduce((s, c) => s + Math.exp(c.count / dist.n / t), 0);
        const scores = reliabilityScores(dist, t);
        dist.classes.forEach((c, i) => expect(scores[i]).toBeCloseTo(Math.exp(c.count / dist.n / t) / denom, 10));
        expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('scores an answer not given as 0 and the null class like any other', () => {
    const dist = answerDistribution([null, null, null, null, 'a']);
    expect(reliabilityOf(dist, null)).toBeCloseTo(0.9526, 4);
    expect(reliabilityOf(dist, 'z')).toBe(0);
  });
});

describe('tau (50th percentile, linear interpolation)', () => {
  it('interpolates like numpy.percentile', () => {
    // numpy.percentile([0, 0.5004, 0.673, 1.6094], 50) = 0.5867
    expect(tau([1.6094, 0, 0.673, 0.5004])).toBeCloseTo(0.5867, 10);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75, 12);
    expect(percentile([7], 90)).toBe(7);
  });

  it('keeps at least half of the questions at P = 50', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const t = tau(values);
        expect(values.filter((v) => v <= t).length).toBeGreaterThanOrEqual(Math.ceil(values.length / 2));
      }),
    );
  });

  it('rejects an empty list and a percentile outside [0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\]/);
  });
});

describe('percentile of counted values', () => {
  it('equals the percentile of the values repeated as often as counted, to the bit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.double({ min: 0, max: 3, noNaN: true }).map((v) => v + 0), count: fc.nat(5) }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (items, p) => {
          fc.pre(items.some((item) => item.count > 0));
          const expanded = items.flatMap((item) => Array.from({ length: item.count }, () => item.value));
          const counted = percentileOfCounts(
            items.map((item) => item.value),
            items.map((item) => item.count),
            p,
          );
          expect(Object.is(counted, percentile(expanded, p))).toBe(true);
        },
      ),
    );
  });

  it('refuses an empty multiset and a percentile out of range, like percentile', () => {
    expect(() => percentileOfCounts([1, 2], [0, 0], 50)).toThrow(/empty/);
    expect(() => percentileOfCounts([1], [1], 101)).toThrow(/\[0, 100\]/);
  });
});
