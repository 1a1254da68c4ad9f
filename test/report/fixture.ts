// A hand-built RunResults for the report tests: two tasks, three seeds, in the ranges the synthetic suite's prototype
// measured (SYNTHETIC-NOTES.md: ceiling ~0.65-0.80, weak ~0.5). `world-judgement` has a ceiling below its weak model,
// so its PGR is undefined. Means, intervals and comparisons are computed here from the per-seed accuracies, as the
// pipeline does, so the fixture is internally consistent (t intervals over seeds stand in for the bootstrap's; a
// difference whose interval excludes 0 gets a small p-value, the others a large one).
import type { Comparison, MethodName, MethodResult, RunResults, TaskResults, WeakLabelDiagnostics } from '../../src/run/results.js';

export const SEEDS = [11, 12, 13];

// Two-sided 95% quantile of Student's t with 2 degrees of freedom (three seeds).
const T_95_DF2 = 4.302652729911275;

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function interval(xs: readonly number[]): [number, number] {
  const m = mean(xs);
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  const half = (T_95_DF2 * sd) / Math.sqrt(xs.length);
  return [m - half, m + half];
}

type PerSeed = Partial<Record<MethodName, { acc: number[]; rows: number }>>;

function methods(perSeed: PerSeed): Partial<Record<MethodName, MethodResult>> {
  const weak = mean(perSeed.weak?.acc ?? []);
  const ceiling = mean(perSeed.ceiling?.acc ?? []);
  return Object.fromEntries(
    Object.entries(perSeed).map(([name, { acc, rows }]) => {
      const a = mean(acc);
      const defined = ceiling > weak;
      const result: MethodResult = {
        accuracy: a,
        accuracy_ci: interval(acc),
        pgr: defined ? (a - weak) / (ceiling - weak) : null,
        n_train_rows: rows,
        train_steps: name === 'weak' ? 0 : 75,
        per_seed: acc,
      };
      if (!defined) result.pgr_note = `undefined: ceiling (${ceiling.toFixed(4)}) <= weak (${weak.toFixed(4)})`;
      return [name, result];
    }),
  );
}

function comparisons(perSeed: PerSeed): Comparison[] {
  const out: Comparison[] = [];
  for (const method of ['filter', 'reweight', 'filter-reweight'] as const) {
    for (const baseline of ['naive', 'consistent'] as const) {
      const a = perSeed[method]?.acc;
      const b = perSeed[baseline]?.acc;
      if (a === undefined || b === undefined) continue;
      const diffs = a.map((x, i) => x - (b[i] as number));
      const ci = interval(diffs);
      const exceeds = ci[0] > 0 || ci[1] < 0;
      const p = exceeds ? 0.001 : 0.4;
      out.push({ method, baseline, diff: mean(diffs), ci, p, p_adjusted: Math.min(1, 4 * p), correction: 'holm', exceeds_noise: exceeds });
    }
  }
  return out;
}

const WORLD_MC: PerSeed = {
  weak: { acc: [0.5, 0.512, 0.494], rows: 0 },
  naive: { acc: [0.561, 0.57, 0.552], rows: 800 },
  'filter-s': { acc: [0.571, 0.566, 0.575], rows: 800 },
  filter: { acc: [0.602, 0.611, 0.598], rows: 2000 },
  'reweight-s': { acc: [0.566, 0.574, 0.56], rows: 800 },
  reweight: { acc: [0.58, 0.571, 0.589], rows: 4000 },
  ceiling: { acc: [0.652, 0.648, 0.66], rows: 800 },
  'filter-reweight': { acc: [0.605, 0.6, 0.612], rows: 2000 },
  majority: { acc: [0.59, 0.584, 0.597], rows: 2000 },
  random: { acc: [0.57, 0.56, 0.575], rows: 2000 },
  consistent: { acc: [0.6, 0.605, 0.595], rows: 4000 },
};

// The weak model already knows this judgement better than the strong model learns it from 600 rows.
const WORLD_JUDGEMENT: PerSeed = {
  weak: { acc: [0.71, 0.705, 0.716], rows: 0 },
  naive: { acc: [0.66, 0.672, 0.651], rows: 600 },
  'filter-s': { acc: [0.664, 0.67, 0.659], rows: 600 },
  filter: { acc: [0.668, 0.661, 0.675], rows: 600 },
  'reweight-s': { acc: [0.659, 0.668, 0.662], rows: 600 },
  reweight: { acc: [0.667, 0.671, 0.66], rows: 1200 },
  ceiling: { acc: [0.7, 0.695, 0.706], rows: 600 },
  'filter-reweight': { acc: [0.666, 0.672, 0.663], rows: 600 },
  majority: { acc: [0.662, 0.668, 0.66], rows: 600 },
  random: { acc: [0.655, 0.662, 0.658], rows: 600 },
  consistent: { acc: [0.664, 0.669, 0.666], rows: 1200 },
};

// Entropy values of N = 5 answers (docs/method.md, Sec. 4.2), with counts falling in accuracy as entropy rises.
const MC_DIAGNOSTICS: WeakLabelDiagnostics = {
  tau: 0.673,
  tau_per_seed: [0.673, 0.673, 0.673],
  kept_questions: 412,
  kept_share: 412 / 800,
  tau_at_lowest_entropy: 0,
  questions: 800,
  entropy_bins: [
    { low: 0, high: 0, correct: 230, incorrect: 60, accuracy: 230 / 290 },
    { low: 0.5004, high: 0.5004, correct: 80, incorrect: 42, accuracy: 80 / 122 },
    { low: 0.673, high: 0.673, correct: 0, incorrect: 0, accuracy: null },
    { low: 0.9503, high: 0.9503, correct: 70, incorrect: 88, accuracy: 70 / 158 },
    { low: 1.0549, high: 1.0549, correct: 40, incorrect: 90, accuracy: 40 / 130 },
    { low: 1.3322, high: 1.3322, correct: 20, incorrect: 70, accuracy: 20 / 90 },
    { low: 1.6094, high: 1.6094, correct: 2, incorrect: 8, accuracy: 0.2 },
  ],
  reliability_matrix: {
    weakLabels: ['A', 'B', 'C', 'D'],
    goldLabels: ['A', 'B', 'C', 'D'],
    mean: [
      [0.91, 0.42, 0.38, 0.4],
      [0.45, 0.88, 0.41, null],
      [0.37, 0.39, 0.9, 0.43],
      [0.4, 0.36, 0.44, 0.87],
    ],
    count: [
      [180, 20, 18, 22],
      [25, 170, 21, 0],
      [19, 23, 175, 20],
      [21, 17, 24, 165],
    ],
  },
  auroc_entropy: 0.712,
  auroc_reliability: 0.734,
  risk_coverage: [
    { coverage: 0.36, risk: 0.207 },
    { coverage: 0.515, risk: 0.248 },
    { coverage: 0.713, risk: 0.33 },
    { coverage: 0.875, risk: 0.395 },
    { coverage: 0.988, risk: 0.437 },
    { coverage: 1, risk: 0.442 },
  ],
  weak_label_accuracy: { all: 0.553, kept: 0.72, dropped: 0.377 },
  wrong_answer_positions: [0.46, 0.19, 0.18, 0.17],
};

const JUDGEMENT_DIAGNOSTICS: WeakLabelDiagnostics = {
  tau: 0,
  tau_per_seed: [0, 0, 0],
  kept_questions: 470,
  kept_share: 470 / 600,
  tau_at_lowest_entropy: 3,
  questions: 600,
  entropy_bins: [
    { low: 0, high: 0, correct: 352, incorrect: 118, accuracy: 352 / 470 },
    { low: 0.6931, high: 0.6931, correct: 72, incorrect: 58, accuracy: 72 / 130 },
  ],
  reliability_matrix: {
    weakLabels: ['acceptable', 'unacceptable'],
    goldLabels: ['acceptable', 'unacceptable'],
    mean: [
      [0.86, 0.79],
      [0.8, 0.84],
    ],
    count: [
      [260, 80],
      [96, 164],
    ],
  },
  auroc_entropy: 0.561,
  auroc_reliability: 0.566,
  risk_coverage: [
    { coverage: 0.783, risk: 0.251 },
    { coverage: 1, risk: 0.293 },
  ],
  weak_label_accuracy: { all: 0.707, kept: 0.749, dropped: 0.554 },
};

function task(perSeed: PerSeed, diagnostics: WeakLabelDiagnostics, nTest: number): TaskResults {
  return { methods: methods(perSeed), comparisons: comparisons(perSeed), diagnostics, n_test: nTest };
}

/** A fresh copy each call, so a test may change it freely. */
export function runResults(): RunResults {
  return {
    version: 2,
    suite: 'default',
    seeds: [...SEEDS],
    budget: 'matched',
    bootstrap_replicates: 2000,
    tasks: {
      'world-mc': task(WORLD_MC, structuredClone(MC_DIAGNOSTICS), 800),
      'world-judgement': task(WORLD_JUDGEMENT, structuredClone(JUDGEMENT_DIAGNOSTICS), 600),
    },
    timing: { pretrain: 41.2, 'weak-sft': 12.5, label: 6.1, 'strong-sft': 96.4, eval: 8.8, total: 120.3 },
  };
}

/** The same run with one seed: intervals over test questions only, and no verdicts. */
export function oneSeedResults(): RunResults {
  const results = runResults();
  results.seeds = [SEEDS[0] as number];
  for (const t of Object.values(results.tasks)) {
    for (const m of Object.values(t.methods)) {
      if (m === undefined) continue;
      m.per_seed = [m.per_seed[0] as number];
      m.accuracy = m.per_seed[0] as number;
      m.accuracy_ci = [m.accuracy - 0.03, m.accuracy + 0.03];
    }
    t.comparisons = t.comparisons.map((c) => ({ ...c, exceeds_noise: false }));
  }
  return results;
}

/** The run with a task renamed, to test that names reach every output as text. */
export function renamedTask(results: RunResults, from: string, to: string): RunResults {
  const tasks = Object.fromEntries(Object.entries(results.tasks).map(([name, t]) => [name === from ? to : name, t]));
  return { ...results, tasks };
}
