// `summary.json` of `w2s score`: tau, counts and, when gold answers are present, weak-label accuracy of kept vs dropped
// questions and the AUROC of entropy and of S_prob for label correctness.
import { addOutcome, aurocFromHistogram, KeptDroppedTally, type KeptDroppedAccuracy, type OutcomeCounts } from '../core/metrics.js';
import type { SelectionMethod, SelectionOptions } from '../core/selection.js';
import { nullCount, type CountPattern, type ScorePlan } from './plan.js';
import { ABSENT_CODE, NULL_CODE } from './tally.js';

/** What `summary.json` holds. */
export interface ScoreSummary {
  input: string;
  questions: number;
  rows: number;
  unparseable_rows: number;
  tau: number;
  tau_percentile: number;
  temperature: number;
  seed: number;
  kept_questions: number;
  dropped_questions: number;
  sft_rows: Partial<Record<SelectionMethod, number>>;
  /** Why an SFT set is empty, per empty set (absent when none is): an empty set must not pass unnoticed into training. */
  empty_sets?: Partial<Record<SelectionMethod, string>>;
  /** Present when the file has gold answers. */
  gold?: {
    questions_with_gold: number;
    /** Accuracy of the original prompt's answer (variant 0), per question: all, kept, dropped. */
    variant0_accuracy: KeptDroppedAccuracy;
    /** Accuracy of every answer row: all, kept, dropped. */
    row_accuracy: KeptDroppedAccuracy;
    /** AUROC of -entropy for the correctness of the variant-0 answer. */
    auroc_entropy: number | null;
    /** AUROC of S_prob for the correctness of each answer row. */
    auroc_reliability: number | null;
  };
}

export function summarize(input: string, options: SelectionOptions, plan: ScorePlan, sftRows: ReadonlyMap<SelectionMethod, number>): ScoreSummary {
  let rows = 0;
  let unparseable = 0;
  let withGold = 0;
  for (let q = 0; q < plan.questions; q++) {
    const p = plan.patterns[plan.pattern[q] as number] as CountPattern;
    rows += p.n;
    unparseable += nullCount(plan.classAnswer, plan.classStart[q] as number, plan.classStart[q + 1] as number, p);
    if ((plan.gold[q] as number) > NULL_CODE) withGold++;
  }
  const summary: ScoreSummary = {
    input,
    questions: plan.questions,
    rows,
    unparseable_rows: unparseable,
    tau: plan.tau,
    tau_percentile: options.tauPercentile,
    temperature: options.temperature,
    seed: options.seed,
    kept_questions: plan.counts.kept,
    dropped_questions: plan.questions - plan.counts.kept,
    sft_rows: Object.fromEntries(sftRows),
  };
  const empty = [...sftRows].filter(([, count]) => count === 0).map(([method]): [SelectionMethod, string] => [method, emptyReason(method, plan, rows, unparseable)]);
  if (empty.length > 0) summary.empty_sets = Object.fromEntries(empty);
  if (withGold > 0) summary.gold = goldStatistics(plan, withGold);
  return summary;
}

/** Why a method selected no row, from what the plan knows of the file. */
function emptyReason(method: SelectionMethod, plan: ScorePlan, rows: number, unparseable: number): string {
  if (unparseable === rows) return 'every answer is unparseable (null)';
  const fromOriginalPrompt: readonly SelectionMethod[] = ['naive', 'filter-s', 'reweight-s', 'random-s', 'consistent', 'oracle'];
  if (plan.counts.naiveRows === 0 && fromOriginalPrompt.includes(method)) return 'no question has a parseable answer to its original prompt (variant 0)';
  if (plan.counts.kept === 0 && ['filter', 'filter-s', 'filter-reweight', 'majority', 'random', 'random-s'].includes(method)) return 'no question is kept (S_ent <= tau) with a parseable answer';
  if (method === 'ceiling' || method === 'oracle') return method === 'ceiling' ? 'no original prompt has a gold answer' : 'no original-prompt answer equals its gold answer';
  return 'no row met the method\'s rule';
}

function goldStatistics(plan: ScorePlan, withGold: number): NonNullable<ScoreSummary['gold']> {
  const variant0 = new KeptDroppedTally();
  const rows = new KeptDroppedTally();
  // Outcomes are counted per pattern (entropy) and per class of a pattern (S_prob) first: the histograms then get one
  // entry per distinct score, with the same integer counts as adding question by question.
  const firstClass = new Int32Array(plan.patterns.length + 1);
  plan.patterns.forEach((p, i) => (firstClass[i + 1] = (firstClass[i] as number) + p.counts.length));
  const entropyOutcomes = new Float64Array(2 * plan.patterns.length);
  const classOutcomes = new Float64Array(2 * (firstClass[plan.patterns.length] as number));
  for (let q = 0; q < plan.questions; q++) {
    const gold = plan.gold[q] as number;
    if (gold <= NULL_CODE) continue;
    const kept = plan.kept[q] === 1;
    const pattern = plan.pattern[q] as number;
    const p = plan.patterns[pattern] as CountPattern;
    const answer0 = plan.variant0[q] as number;
    if (answer0 !== ABSENT_CODE) {
      const correct = answer0 === gold;
      variant0.add(kept, correct ? 1 : 0, 1);
      const slot = 2 * pattern + (correct ? 0 : 1);
      entropyOutcomes[slot] = (entropyOutcomes[slot] as number) + 1;
    }
    const first = plan.classStart[q] as number;
    const at = firstClass[pattern] as number;
    for (let k = 0; k < p.counts.length; k++) {
      const correct = plan.classAnswer[first + k] === gold;
      const count = p.counts[k] as number;
      rows.add(kept, correct ? count : 0, count);
      const slot = 2 * (at + k) + (correct ? 0 : 1);
      classOutcomes[slot] = (classOutcomes[slot] as number) + count;
    }
  }
  const byEntropy = new Map<number, OutcomeCounts>();
  const byReliability = new Map<number, OutcomeCounts>();
  plan.patterns.forEach((p, i) => {
    addOutcomes(byEntropy, -p.entropy, entropyOutcomes, i);
    p.scores.forEach((score, k) => addOutcomes(byReliability, score, classOutcomes, (firstClass[i] as number) + k));
  });
  return {
    questions_with_gold: withGold,
    variant0_accuracy: variant0.result(),
    row_accuracy: rows.result(),
    auroc_entropy: aurocFromHistogram(byEntropy),
    auroc_reliability: aurocFromHistogram(byReliability),
  };
}

/** Adds the positive and negative counts at slot i of `outcomes` to the histogram (nothing when both are 0). */
function addOutcomes(histogram: Map<number, OutcomeCounts>, score: number, outcomes: Float64Array, i: number): void {
  const positive = outcomes[2 * i] as number;
  const negative = outcomes[2 * i + 1] as number;
  if (positive > 0) addOutcome(histogram, score, true, positive);
  if (negative > 0) addOutcome(histogram, score, false, negative);
}
