// What the page computes, with src/core's own formulas (bundled into the page): each question's distribution (Eq. 2),
// entropy (Eq. 3) and S_prob (Eq. 4); for a tau percentile and temperature, the selection plan of `w2s score`
// (planSelection: tau, kept questions, the SFT set sizes), the weak-label accuracy of kept vs dropped questions, and
// Fig. 3's bins and the risk-coverage curve. No DOM here: the tests run it in Node too.
import { entropyBins, isCorrect, KeptDroppedTally, riskCoverage, type EntropyBin, type KeptDroppedAccuracy, type RiskCoveragePoint } from '../../../core/metrics.js';
import { answerDistribution, entropy, isKept, reliabilityScores, tau as tauOf } from '../../../core/reliability.js';
import { planSelection, type QuestionSummary, type SelectionOptions } from '../../../core/selection.js';
import { NO_ANSWER, NULL_ANSWER, type ExploreData } from '../format.js';

/** One question as the page shows it. */
export interface Question {
  index: number;
  id: string;
  summary: QuestionSummary;
  /** Its rows (positions in the file's order), by ascending variant. */
  rows: number[];
  /** The original prompt; '' when the question has no variant 0. */
  original: string;
  /** Whether the original prompt's answer is right: null without a gold answer or without a variant 0. */
  correct: boolean | null;
}

/** The page's numbers for one setting of the slider and the temperature. */
export interface Evaluation {
  options: SelectionOptions;
  tau: number;
  /** 1 for each kept question, by question index. */
  kept: Uint8Array;
  keptCount: number;
  /** SFT rows that `w2s score` writes for these settings. */
  sft: { filter: number; 'filter-s': number; reweight: number };
  /** Weak-label accuracy (original prompt) of kept, dropped and all questions with a gold answer; null without any. */
  accuracy: KeptDroppedAccuracy | null;
  /** The threshold's point on the risk-coverage curve; null without gold answers. */
  point: RiskCoveragePoint | null;
  /** S_prob (Eq. 4) of each question's most frequent answer at this temperature. */
  majorityScore: Float64Array;
}

export class ExploreModel {
  readonly questions: Question[];
  readonly hasGold: boolean;
  /** The largest variant number + 1 over all rows. */
  readonly variants: number;
  /** Fig. 3's bins (one per distinct entropy) and the risk-coverage curve of -entropy: they do not depend on tau. */
  readonly bins: EntropyBin[];
  readonly curve: RiskCoveragePoint[];
  private readonly summaries: QuestionSummary[];
  private scores: { temperature: number; values: Float64Array } | undefined;
  private readonly entropies: Float64Array;
  /** The questions' distinct entropies, ascending: which of them are <= tau decides the kept questions. */
  private readonly levels: number[];
  /** Evaluations by kept set (see evaluate). */
  private readonly byKeptSet = new Map<number, Omit<Evaluation, 'tau' | 'options' | 'majorityScore'>>();

  constructor(
    readonly data: ExploreData,
    originals: readonly string[],
  ) {
    const { ids, rowQuestion, rowVariant, rowAnswer } = data;
    const answerText = (code: number): string | null => (code === NULL_ANSWER ? null : (data.answers[code - 1] as string));
    const rowsOf: number[][] = ids.map(() => []);
    let variants = 0;
    for (let r = 0; r < rowQuestion.length; r++) {
      (rowsOf[rowQuestion[r] as number] as number[]).push(r);
      variants = Math.max(variants, (rowVariant[r] as number) + 1);
    }
    this.variants = variants;
    const goldOf = (q: number): string | null | undefined => {
      const code = data.gold?.[q] ?? NO_ANSWER;
      return code === NO_ANSWER ? undefined : answerText(code);
    };
    let original = 0;
    const originalOf = new Map<number, string>();
    for (let r = 0; r < rowQuestion.length; r++) if (rowVariant[r] === 0) originalOf.set(rowQuestion[r] as number, originals[original++] ?? '');
    this.questions = ids.map((id, q) => {
      const rows = (rowsOf[q] as number[]).sort((a, b) => (rowVariant[a] as number) - (rowVariant[b] as number));
      const dist = answerDistribution(rows.map((r) => answerText(rowAnswer[r] as number)));
      const row0 = rows.find((r) => rowVariant[r] === 0);
      const variant0Answer = row0 === undefined ? undefined : answerText(rowAnswer[row0] as number);
      const gold = goldOf(q);
      const summary: QuestionSummary = { id, dist, entropy: entropy(dist), variant0Answer, gold };
      const correct = typeof gold === 'string' && variant0Answer !== undefined ? isCorrect(variant0Answer, gold) : null;
      return { index: q, id, summary, rows, original: originalOf.get(q) ?? '', correct };
    });
    this.summaries = this.questions.map((q) => q.summary);
    this.entropies = Float64Array.from(this.summaries, (s) => s.entropy);
    this.levels = [...new Set(this.entropies)].sort((a, b) => a - b);
    this.hasGold = this.questions.some((q) => q.correct !== null);
    const graded = this.questions.filter((q) => q.correct !== null || !this.hasGold);
    this.bins = entropyBins(graded.map((q) => ({ entropy: q.summary.entropy, correct: q.correct === true })));
    const scored = this.questions.filter((q) => q.correct !== null);
    this.curve = riskCoverage(
      scored.map((q) => -q.summary.entropy),
      scored.map((q) => q.correct === true),
    );
  }

  /** Text of an answer code (null: unparseable). */
  answer(code: number): string | null {
    return code === NULL_ANSWER ? null : (this.data.answers[code - 1] as string);
  }

  /**
   * Everything that depends on the settings: the same plan `w2s score --tau-percentile P --temperature T` makes.
   * planSelection decides which questions are kept by S_ent <= tau alone, and what this page shows of its plan (kept
   * questions, SFT set sizes) follows from the kept questions alone; so it runs once per kept set, i.e. per number of
   * distinct entropies at or under tau (7 for N = 5), and a slider move that keeps the same questions costs one tau.
   */
  evaluate(tauPercentile: number, temperature: number): Evaluation {
    const options: SelectionOptions = { ...this.data.options, tauPercentile, temperature };
    const tau = tauOf(this.entropies, tauPercentile);
    const keptSet = this.levels.filter((level) => isKept(level, tau)).length;
    let result = this.byKeptSet.get(keptSet);
    if (result === undefined) {
      result = this.select(options);
      this.byKeptSet.set(keptSet, result);
    }
    return { ...result, options, tau, majorityScore: this.majorityScores(temperature) };
  }

  private select(options: SelectionOptions): Omit<Evaluation, 'tau' | 'options' | 'majorityScore'> {
    const plan = planSelection(this.summaries, options);
    const kept = new Uint8Array(this.questions.length);
    const tally = new KeptDroppedTally();
    let graded = 0;
    let keptGraded = 0;
    for (const q of this.questions) {
      const isKeptQuestion = plan.questions.get(q.id)?.kept === true;
      kept[q.index] = isKeptQuestion ? 1 : 0;
      if (q.correct === null) continue;
      tally.add(isKeptQuestion, q.correct ? 1 : 0, 1);
      graded++;
      if (isKeptQuestion) keptGraded++;
    }
    const accuracy = this.hasGold ? tally.result() : null;
    return {
      kept,
      keptCount: plan.counts.kept,
      sft: { filter: plan.counts.filterPool, 'filter-s': plan.samples['filter-s'].drawn.length, reweight: plan.counts.reweightPool },
      accuracy,
      point: accuracy === null || graded === 0 ? null : { coverage: keptGraded / graded, risk: accuracy.kept === null ? 0 : 1 - accuracy.kept },
    };
  }

  /** S_prob of each question's most frequent answer (its first class), computed once per temperature. */
  private majorityScores(temperature: number): Float64Array {
    if (this.scores?.temperature !== temperature) {
      const values = new Float64Array(this.questions.length);
      for (const q of this.questions) values[q.index] = reliabilityScores(q.summary.dist, temperature)[0] ?? 0;
      this.scores = { temperature, values };
    }
    return this.scores.values;
  }
}
