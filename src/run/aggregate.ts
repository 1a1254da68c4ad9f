// From the cells of a task (one per seed) to its results: means over seeds, intervals from a bootstrap over seeds x
// test questions, PGR of the mean accuracies, each method's share of the oracle's gain, the comparisons the report
// draws its verdicts from, and the weak-label diagnostics pooled over the seeds. Holm's correction runs over every
// comparison of the run at once (`correctComparisons`), after all its tasks.
import { pgr, type Pgr } from '../core/metrics.js';
import { hashString, Rng } from '../core/rng.js';
import { PAPER_METHODS, type SelectionMethod } from '../core/selection.js';
import { bootstrapMean, holmAdjust, mean } from '../core/statistics.js';
import type { Comparison, MethodName, MethodResult, TaskResults } from './results.js';
import { weakLabelDiagnostics, type AnswerKind, type TestOutcome, type WeakLabelSeed } from './weak-labels.js';

/** One strong model's outcome, as the stage store records it. */
export interface StrongOutcome extends TestOutcome {
  n_train_rows: number;
  train_steps: number;
  seconds: number;
}

/** One (task, seed) of the experiment. */
export interface CellOutcome {
  weak: TestOutcome;
  strong: Partial<Record<SelectionMethod, StrongOutcome>>;
  weakLabels: WeakLabelSeed;
}

/** The baselines every method is compared with, when the run trains them. */
const BASELINES: readonly SelectionMethod[] = ['naive', 'random-s', 'consistent'];
/** Methods that are never compared: the ends of the scale (ceiling, oracle) and the baselines themselves. */
const NOT_COMPARED: ReadonlySet<SelectionMethod> = new Set(['ceiling', 'oracle', 'naive', 'random-s', 'consistent']);

/** The task's results from its cells; comparisons get their corrected p-values from {@link correctComparisons}. */
export function aggregate(task: string, outcomes: readonly CellOutcome[], methods: readonly SelectionMethod[], kind: AnswerKind, nTest: number): TaskResults {
  const outcomeOf = (o: CellOutcome, method: MethodName): TestOutcome | undefined => (method === 'weak' ? o.weak : o.strong[method]);
  // Per seed, each test question right (1) or not (0); decoded once per method, as every comparison reads them.
  const decoded = new Map<MethodName, number[][]>();
  const correctness = (method: MethodName): number[][] => {
    let rows = decoded.get(method);
    if (rows === undefined) {
      rows = outcomes.map((o) => {
        const bits = outcomeOf(o, method)?.correct ?? '';
        if (bits.length !== nTest) throw new Error(`${task}: ${method} has ${bits.length} test outcomes for ${nTest} questions`);
        return Array.from(bits, (b) => (b === '1' ? 1 : 0));
      });
      decoded.set(method, rows);
    }
    return rows;
  };
  const perSeed = (method: MethodName): number[] => outcomes.map((o) => outcomeOf(o, method)?.accuracy ?? NaN);
  const rngFor = (label: string): Rng => new Rng(hashString(`bootstrap:${task}:${label}`));
  const meanAccuracy = (method: MethodName): number => mean(perSeed(method));
  const weakMean = meanAccuracy('weak');
  const ceilingMean = methods.includes('ceiling') ? meanAccuracy('ceiling') : null;
  const naiveMean = methods.includes('naive') ? meanAccuracy('naive') : null;
  const oracleGain = methods.includes('oracle') && naiveMean !== null ? meanAccuracy('oracle') - naiveMean : null;

  const result: Partial<Record<MethodName, MethodResult>> = {};
  for (const method of ['weak', ...methods] as MethodName[]) {
    const values = perSeed(method);
    const accuracy = mean(values);
    const gap: Pgr = ceilingMean === null ? { defined: false, reason: 'undefined: no ceiling in this run' } : pgr(weakMean, accuracy, ceilingMean);
    const strong = (key: 'n_train_rows' | 'train_steps'): number => (method === 'weak' ? 0 : mean(outcomes.map((o) => o.strong[method]?.[key] ?? 0)));
    // The share of the oracle's gain over naive, for the paper's selection methods (undefined: not reported).
    const isPaperSelection = (PAPER_METHODS as readonly MethodName[]).includes(method) && method !== 'ceiling';
    const share = oracleGain === null || naiveMean === null || !isPaperSelection ? undefined : oracleGain > 0 ? (accuracy - naiveMean) / oracleGain : null;
    result[method] = {
      accuracy,
      accuracy_ci: bootstrapMean(correctness(method), rngFor(method)).ci,
      pgr: gap.defined ? gap.value : null,
      ...(gap.defined ? {} : { pgr_note: gap.reason }),
      n_train_rows: strong('n_train_rows'),
      train_steps: strong('train_steps'),
      ...(share !== undefined ? { oracle_share: share } : {}),
      per_seed: values,
    };
  }

  const comparisons: Comparison[] = [];
  for (const baseline of BASELINES.filter((b) => methods.includes(b))) {
    const base = correctness(baseline);
    for (const method of methods.filter((m) => !NOT_COMPARED.has(m))) {
      const differences = correctness(method).map((row, s) => row.map((x, i) => x - ((base[s] as number[])[i] as number)));
      const estimate = bootstrapMean(differences, rngFor(`${method}-${baseline}`));
      comparisons.push({ method, baseline, diff: estimate.value, ci: estimate.ci, p: estimate.p, p_adjusted: estimate.p, correction: 'holm', exceeds_noise: false });
    }
  }
  return { methods: result, comparisons, diagnostics: weakLabelDiagnostics(outcomes.map((o) => o.weakLabels), kind), n_test: nTest };
}

/**
 * Holm's correction over every comparison of the run (all tasks together); a difference exceeds the noise when its
 * corrected p-value is below 0.05 and the run has two seeds or more (with one, nothing measures the fine-tuning's own
 * variance, so no verdict is given).
 */
export function correctComparisons(tasks: Record<string, TaskResults>, seeds: number): void {
  const all = Object.values(tasks).flatMap((t) => t.comparisons);
  const adjusted = holmAdjust(all.map((c) => c.p));
  all.forEach((c, i) => {
    c.p_adjusted = adjusted[i] as number;
    c.exceeds_noise = seeds >= 2 && c.p_adjusted < 0.05;
  });
}
