// From cells to a task's results: bootstrap intervals, the oracle's share, comparisons with their baselines, and
// Holm's correction over the whole run, which gives no verdict with one seed.
import { describe, expect, it } from 'vitest';
import { planSelection, summarizeQuestions, type SelectionMethod } from '../../src/core/selection.js';
import type { AnswerRecord } from '../../src/core/types.js';
import { aggregate, correctComparisons, type CellOutcome, type StrongOutcome } from '../../src/run/aggregate.js';

const N = 200;
/** Correctness bits: the first `right` of N questions right. */
const bits = (right: number): string => '1'.repeat(right) + '0'.repeat(N - right);
const outcome = (right: number, rows = 10): StrongOutcome => ({ accuracy: right / N, correct: bits(right), n_train_rows: rows, train_steps: 3, seconds: 1 });

function cell(shift: number): CellOutcome {
  const answers: AnswerRecord[] = [0, 1, 2].flatMap((variant) => [
    { id: 'a', variant, prompt: 'p', output: 'o', answer: 'x', gold: 'x' },
    { id: 'b', variant, prompt: 'p', output: 'o', answer: variant === 0 ? 'x' : 'y', gold: 'y' },
  ]);
  const summaries = summarizeQuestions(answers);
  const strong: Partial<Record<SelectionMethod, StrongOutcome>> = {
    naive: outcome(100 + shift),
    filter: outcome(140 + shift),
    'random-s': outcome(100 + shift),
    oracle: outcome(180 + shift),
    ceiling: outcome(190 + shift),
  };
  return { weak: { accuracy: 0.4, correct: bits(80) }, strong, weakLabels: { answers, summaries, plan: planSelection(summaries) } };
}

const METHODS: SelectionMethod[] = ['naive', 'filter', 'ceiling', 'random-s', 'oracle'];

describe('aggregate', () => {
  it('gives the oracle share, paired comparisons with naive and random-s, and verdicts after Holm over the run', () => {
    const t = aggregate('t', [cell(0), cell(2), cell(-2)], METHODS, 'binary', N);
    expect(t.methods.filter?.oracle_share).toBeCloseTo((0.7 - 0.5) / (0.9 - 0.5), 12);
    expect(t.methods.ceiling?.oracle_share).toBeUndefined();
    expect(t.methods.filter?.train_steps).toBe(3);
    expect(t.comparisons.map((c) => `${c.method}-${c.baseline}`)).toEqual(['filter-naive', 'filter-random-s']);
    // 40 more right of 200 on every seed, the same questions: a gain far beyond the noise.
    expect(t.comparisons[0]?.diff).toBeCloseTo(0.2, 12);
    expect(t.comparisons[0]?.ci[0]).toBeGreaterThan(0.1);
    correctComparisons({ t }, 3);
    for (const c of t.comparisons) {
      expect(c.correction).toBe('holm');
      expect(c.p_adjusted).toBeCloseTo(Math.min(1, 2 * c.p), 12);
      expect(c.exceeds_noise).toBe(true);
    }
    expect(t.diagnostics.tau_per_seed).toHaveLength(3);
  });

  it('gives no verdict with one seed, however large the difference', () => {
    const t = aggregate('t', [cell(0)], METHODS, 'binary', N);
    correctComparisons({ t }, 1);
    expect(t.comparisons.every((c) => !c.exceeds_noise && c.p_adjusted < 0.05)).toBe(true);
  });
});
