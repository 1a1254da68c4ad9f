// Means, intervals over seeds x test questions (a paired bootstrap), and Holm's correction for the many comparisons
// of a run: how the report tells an effect from noise.
import type { Rng } from './rng.js';

/** The arithmetic mean of a non-empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty list');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Bootstrap replicates of the run's intervals and tests (enough for stable 2.5% and 97.5% quantiles). */
export const BOOTSTRAP_REPLICATES = 2000;

/**
 * A bootstrap estimate: the observed value, its 95% percentile interval, and a two-sided p-value for "it is 0" from
 * the bootstrap standard error (normal approximation). A p-value counted from the replicates could not go below
 * 2 / (replicates + 1), too coarse for a correction over dozens of comparisons.
 */
export interface BootstrapEstimate {
  value: number;
  ci: [number, number];
  p: number;
}

/**
 * Mean over seeds and test questions of `scores[seed][question]` (a method's per-question correctness, or the paired
 * difference of two methods' correctness), with a two-level bootstrap: every replicate draws seeds with replacement
 * (when there are several) and, for each drawn seed, test questions with replacement, so the interval holds both the
 * fine-tuning's variance over seeds and the sampling of the test questions. The questions are the same for every seed
 * and every method, so a difference stays paired question by question. The p-value is 2 (1 - Phi(|value| / se)), se
 * the standard deviation of the replicates.
 */
export function bootstrapMean(scores: readonly (readonly number[])[], rng: Rng, replicates = BOOTSTRAP_REPLICATES): BootstrapEstimate {
  const seeds = scores.length;
  if (seeds === 0) throw new RangeError('bootstrapMean: no seeds');
  const n = (scores[0] as readonly number[]).length;
  if (n === 0 || scores.some((s) => s.length !== n)) throw new RangeError('bootstrapMean: every seed needs the same, non-zero number of questions');
  const value = mean(scores.map((s) => mean(s)));
  const samples = new Float64Array(replicates);
  const picks = new Int32Array(n);
  for (let r = 0; r < replicates; r++) {
    let total = 0;
    for (let s = 0; s < seeds; s++) {
      const row = scores[seeds > 1 ? rng.int(seeds) : s] as readonly number[];
      rng.ints(n, picks);
      for (let i = 0; i < n; i++) total += row[picks[i]!] as number;
    }
    samples[r] = total / (seeds * n);
  }
  samples.sort();
  const quantile = (q: number): number => samples[Math.min(replicates - 1, Math.max(0, Math.round(q * (replicates - 1))))] as number;
  const centre = mean(Array.from(samples));
  const se = Math.sqrt(samples.reduce((sum, x) => sum + (x - centre) ** 2, 0) / Math.max(1, replicates - 1));
  const p = se === 0 ? (value === 0 ? 1 : 0) : Math.min(1, 2 * normalUpperTail(Math.abs(value) / se));
  return { value, ci: [quantile(0.025), quantile(0.975)], p };
}

/** P(Z > z) for a standard normal Z: erfc(z / sqrt 2) / 2. */
export function normalUpperTail(z: number): number {
  return erfc(z / Math.SQRT2) / 2;
}

function erfc(x: number): number {
  // A Chebyshev fit of erfc: fractional error below 1.2e-7 everywhere, ample for p-values down to 1e-10.
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Holm's step-down adjustment of p-values (controls the family-wise error rate); same order as given. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
