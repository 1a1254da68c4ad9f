// The shape of a run's results.json (docs/contracts.md, a `w2s run` directory): what `w2s run` writes and the report reads.
import type { EntropyBin, KeptDroppedAccuracy, ReliabilityMatrix, RiskCoveragePoint } from '../core/metrics.js';
import type { SelectionMethod } from '../core/selection.js';

/** A row of Tables 1-2: the weak model itself, or the strong model trained by one selection method. */
export type MethodName = 'weak' | SelectionMethod;

/** One method's outcome on one task, averaged over seeds. */
export interface MethodResult {
  /** Test accuracy, mean over seeds. */
  accuracy: number;
  /** 95% interval of the mean accuracy: a bootstrap over seeds x test questions (test questions only with one seed). */
  accuracy_ci: [number, number];
  /** PGR of the mean accuracies; null when undefined (ceiling <= weak), with the reason in `pgr_note`. */
  pgr: number | null;
  pgr_note?: string;
  /** SFT rows the strong model trained on (mean over seeds; 0 for `weak`). */
  n_train_rows: number;
  /** Optimizer steps of the strong model's SFT (mean over seeds; 0 for `weak` and for a method left with no rows). */
  train_steps: number;
  /**
   * The paper's methods, when the run has `oracle` and `naive`: (accuracy - naive) / (oracle - naive), the share of the
   * best selection's gain this method reaches; null when the oracle does not beat naive.
   */
  oracle_share?: number | null;
  /** Per-seed accuracies, in the order of `RunResults.seeds`. */
  per_seed: number[];
}

/** A method's difference to a baseline method, paired by seed and by test question. */
export interface Comparison {
  method: MethodName;
  baseline: MethodName;
  /** Mean over seeds of accuracy(method) - accuracy(baseline), in accuracy points (0-1 scale). */
  diff: number;
  /** 95% interval of the difference: a paired bootstrap over seeds x test questions (uncorrected). */
  ci: [number, number];
  /**
   * Two-sided p-value of "no difference" (the difference over its bootstrap standard error, on the normal
   * distribution), and the same after the run's correction over all its comparisons.
   */
  p: number;
  p_adjusted: number;
  /** The multiple-comparison correction `p_adjusted` and `exceeds_noise` use: Holm's, over every comparison of the run. */
  correction: 'holm';
  /** p_adjusted < 0.05 and the run has at least two seeds (one seed says nothing of the fine-tuning's variance). */
  exceeds_noise: boolean;
}

/** Diagnostics of the weak labels of one task, pooled over every seed of the run (each seed's own tau and plan). */
export interface WeakLabelDiagnostics {
  /** tau (Sec. 4.2), mean over seeds, and per seed. */
  tau: number;
  tau_per_seed: number[];
  /** Kept questions, mean over seeds, and their share of the questions. */
  kept_questions: number;
  kept_share: number;
  /**
   * Seeds where tau equals the lowest entropy: every question at that entropy is kept, however many, so ties (not the
   * percentile) decide the kept share.
   */
  tau_at_lowest_entropy: number;
  /** Questions per seed. */
  questions: number;
  /** Fig. 3/5. */
  entropy_bins: EntropyBin[];
  /** Fig. 4/6: rows = weak label, columns = gold label (option positions A-D for multiple choice). */
  reliability_matrix: ReliabilityMatrix;
  auroc_entropy: number | null;
  auroc_reliability: number | null;
  risk_coverage: RiskCoveragePoint[];
  weak_label_accuracy: KeptDroppedAccuracy;
  /** Share of the weak model's wrong answers per displayed option position (the position habit), when multiple choice. */
  wrong_answer_positions?: number[];
}

/** One task's results over the run's seeds. */
export interface TaskResults {
  methods: Partial<Record<MethodName, MethodResult>>;
  comparisons: Comparison[];
  diagnostics: WeakLabelDiagnostics;
  /** Test questions evaluated. */
  n_test: number;
}

/** results.json of a run (docs/contracts.md): every task's methods, comparisons and diagnostics. */
export interface RunResults {
  version: 2;
  /** The configuration's name (e.g. "default", "control"). */
  suite: string;
  seeds: number[];
  /** How long strong models trained: `matched` (naive's optimizer steps for every method) or `paper` (fixed epochs). */
  budget: 'matched' | 'paper';
  /** Replicates of the bootstrap behind every interval and p-value. */
  bootstrap_replicates: number;
  tasks: Record<string, TaskResults>;
  /** Wall time in seconds per stage name, summed over tasks and seeds. */
  timing: Record<string, number>;
}
