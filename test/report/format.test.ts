import { describe, expect, it } from 'vitest';
import { formatAccuracy, formatInterval, formatPgr, signed3 } from '../../src/report/format.js';

describe('format', () => {
  it('gives accuracy the half-width of its interval', () => {
    expect(formatAccuracy({ accuracy: 0.6124, accuracy_ci: [0.5914, 0.6334], pgr: 0.5, n_train_rows: 10, train_steps: 3, per_seed: [] })).toBe('0.612 ± 0.021');
    expect(formatAccuracy(undefined)).toBe('not run');
  });

  it('never prints a number for an undefined PGR', () => {
    expect(formatPgr({ accuracy: 0.6, accuracy_ci: [0.5, 0.7], pgr: null, n_train_rows: 1, train_steps: 1, per_seed: [0.6] })).toBe('undefined (ceiling <= weak)');
    expect(formatPgr({ accuracy: 0.6, accuracy_ci: [0.5, 0.7], pgr: -0.25, n_train_rows: 1, train_steps: 1, per_seed: [0.6] })).toBe('-0.250');
  });

  it('signs differences and prints zero without a sign', () => {
    expect(signed3(0.0314)).toBe('+0.031');
    expect(signed3(-0.0314)).toBe('-0.031');
    expect(signed3(-0.0001)).toBe('0.000');
    expect(formatInterval([-0.0051, 0.0671])).toBe('[-0.005, +0.067]');
  });
});
