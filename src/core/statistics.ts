// Means and confidence intervals over seeds: how the report tells an effect from seed noise.

/** Two-sided 95% critical values of Student's t for 1..30 degrees of freedom (then the normal 1.96). */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5% quantile of Student's t with `df` degrees of freedom. */
export function tCritical95(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  return T_975[df - 1] ?? 1.96;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty list');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean and its 95% confidence interval (t distribution, sample standard deviation); no interval for one value. */
export function meanWithInterval(values: readonly number[]): { mean: number; ci: [number, number] | null } {
  const m = mean(values);
  if (values.length < 2) return { mean: m, ci: null };
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
  const half = tCritical95(values.length - 1) * Math.sqrt(variance / values.length);
  return { mean: m, ci: [m - half, m + half] };
}

/** Paired difference a - b over seeds: its mean, 95% interval, and whether the interval excludes zero. */
export function pairedDifference(a: readonly number[], b: readonly number[]): { diff: number; ci: [number, number] | null; exceedsNoise: boolean } {
  if (a.length !== b.length) throw new RangeError(`pairedDifference: ${a.length} vs ${b.length} values`);
  const { mean: diff, ci } = meanWithInterval(a.map((x, i) => x - (b[i] as number)));
  return { diff, ci, exceedsNoise: ci !== null && (ci[0] > 0 || ci[1] < 0) };
}
