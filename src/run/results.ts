// The shape of a run's results.json (docs/contracts.md, a `w2s run` directory): what `w2s run` writes and the report reads.
import type { EntropyBin, KeptDroppedAccuracy, ReliabilityMatrix, RiskCoveragePoint } from '../core/metrics.js';
import type { SelectionMethod } from '../core/selection.js';

/** A row of Tables 1-2: the weak model itself, or the strong model trained by one selection method. */
export type MethodName = 'weak' | SelectionMethod;

/** One method's outcome on one task, averaged over seeds. */
export interface MethodResult {
  /** Test accuracy, mean over seeds. */
  accuracy: number;
  /** 95% confidence interval of the mean accuracy over seeds (t distribution); null with one seed. */
  accuracy_ci: [number, number] | null;
  /** PGR of the mean accuracies; null when undefined (ceiling <= weak), with the reason in `pgr_note`. */
  pgr: number | null;
  pgr_note?: string;
  /** SFT rows the strong model trained on (mean over seeds; 0 for `weak`). */
  n_train_rows: number;
  /** Per-seed accuracies, in the order of `RunResults.seeds`. */
  per_seed: number[];
}

/** A method's difference to a baseline method, over seeds (paired by seed). */
export interface Comparison {
  method: MethodName;
  baseline: MethodName;
  /** Mean over seeds of accuracy(method) - accuracy(baseline), in accuracy points (0-1 scale). */
  diff: number;
  /** 95% confidence interval of the mean difference; null with one seed. */
  ci: [number, number] | null;
  /** True when the interval excludes 0. */
  exceeds_noise: boolean;
}

/** Diagnostics of the weak labels of one task (seed of the first run). */
export interface WeakLabelDiagnostics {
  tau: number;
  kept_questions: number;
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

export interface TaskResults {
  methods: Partial<Record<MethodName, MethodResult>>;
  comparisons: Comparison[];
  diagnostics: WeakLabelDiagnostics;
  /** Test questions evaluated. */
  n_test: number;
}

export interface RunResults {
  version: 1;
  /** The configuration's name (e.g. "default", "control"). */
  suite: string;
  seeds: number[];
  tasks: Record<string, TaskResults>;
  /** Wall time in seconds per stage name, summed over tasks and seeds. */
  timing: Record<string, number>;
}
