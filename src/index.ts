// The library's root (`import { ... } from 'w2s'`): the pure core of the method (docs/method.md Sec. 4) and the
// streaming scorer. Nothing here loads a model, a network client or a renderer, so importing it is cheap; the tasks,
// labelling, the engine and the report are the subpaths `w2s/tasks`, `w2s/label`, `w2s/engine` and `w2s/report`.

export {
  answerDistribution,
  distributionFromCounts,
  entropy,
  isKept,
  percentile,
  probability,
  reliabilityOf,
  reliabilityScores,
  tau,
  DEFAULT_TAU_PERCENTILE,
  DEFAULT_TEMPERATURE,
  type AnswerCount,
  type AnswerDistribution,
} from './core/reliability.js';
export {
  isSelectionMethod,
  planSelection,
  selectRows,
  summarizeQuestions,
  DEFAULT_SELECTION_OPTIONS,
  PAPER_METHODS,
  SELECTION_METHODS,
  type QuestionSummary,
  type RenderAnswer,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionPlan,
} from './core/selection.js';
export {
  accuracy,
  auroc,
  entropyBins,
  isCorrect,
  pgr,
  pgrValue,
  reliabilityMatrix,
  riskCoverage,
  type EntropyBin,
  type KeptDroppedAccuracy,
  type Pgr,
  type ReliabilityMatrix,
  type RiskCoveragePoint,
} from './core/metrics.js';
export { bootstrapMean, holmAdjust, mean, type BootstrapEstimate } from './core/statistics.js';
export { Rng } from './core/rng.js';
export type { AnswerRecord, SftRow, Variation } from './core/types.js';
export { W2sError, type Location } from './errors.js';
export { VERSION } from './version.js';
export { score, type AnswerInput, type ScoreInput, type ScoreOptions, type ScoreSummary } from './api/score.js';
