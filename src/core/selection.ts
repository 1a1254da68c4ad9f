// Selection: from weak answers and their reliability to SFT rows, one small named rule per method
// (docs/method.md, Sec. 4.2-4.3 and the methods table). Rows whose answer is null are never training targets.
//
// Selection runs in two steps so that it can stream over files of any size: `planSelection` sees one small
// summary per question (first pass), then a `RowSelector` decides row by row (second pass, same row order).
import { Rng } from './rng.js';
import {
  answerDistribution,
  entropy,
  DEFAULT_TAU_PERCENTILE,
  DEFAULT_TEMPERATURE,
  isKept,
  reliabilityScores,
  tau as tauOf,
  type AnswerDistribution,
} from './reliability.js';
import type { AnswerRecord, SftRow } from './types.js';

/**
 * The paper's methods (Tables 1-2), then ours, the two controls (`random`, `consistent`) and the two references of
 * selection (`random-s`: a random subset of the size and row count of `filter-s`; `oracle`: naive's rows of the questions
 * whose weak answer is right, the best any selection of naive's rows could do; it needs gold answers).
 */
export const SELECTION_METHODS = [
  'naive',
  'filter-s',
  'filter',
  'reweight-s',
  'reweight',
  'ceiling',
  'filter-reweight',
  'majority',
  'random',
  'consistent',
  'random-s',
  'oracle',
] as const;
/** One of {@link SELECTION_METHODS}. */
export type SelectionMethod = (typeof SELECTION_METHODS)[number];

/** The methods of the paper's Tables 1-2 (the weak model itself is not a selection). */
export const PAPER_METHODS: readonly SelectionMethod[] = ['naive', 'filter-s', 'filter', 'reweight-s', 'reweight', 'ceiling'];

/** Whether `name` is one of {@link SELECTION_METHODS}. */
export function isSelectionMethod(name: string): name is SelectionMethod {
  return (SELECTION_METHODS as readonly string[]).includes(name);
}

/** What selection needs to know of one question after a first pass over its answers. */
export interface QuestionSummary {
  id: string;
  dist: AnswerDistribution;
  entropy: number;
  /** The answer to the original prompt; undefined when the question has no variant 0. */
  variant0Answer: string | null | undefined;
  /** Canonical gold answer when known. */
  gold: string | null | undefined;
}

/** The settings that reliability and selection depend on (docs/method.md Sec. 4.2-4.3). */
export interface SelectionOptions {
  /** T of Eq. 4. */
  temperature: number;
  /** P of tau (Sec. 4.2). */
  tauPercentile: number;
  /** Seed of the `-s` samples and the `random` control. */
  seed: number;
  /**
   * What a row trains on: the weak model's raw `output` (the paper) or its canonical answer rendered for the row's
   * variation. Relabelled rows (`majority`, `consistent`, `ceiling`) always use a rendered answer.
   */
  completion: 'output' | 'answer';
}

/** The paper's settings: T = 0.2, tau at the 50th percentile, seed 0, training on the raw output. */
export const DEFAULT_SELECTION_OPTIONS: SelectionOptions = {
  temperature: DEFAULT_TEMPERATURE,
  tauPercentile: DEFAULT_TAU_PERCENTILE,
  seed: 0,
  completion: 'output',
};

/** Turns a canonical answer into a completion for a row's variation (a task's `renderAnswer`, or identity). */
export type RenderAnswer = (answer: string, row: AnswerRecord) => string;

interface QuestionPlan {
  kept: boolean;
  inRandomSubset: boolean;
  /** The original prompt's answer is the gold answer. */
  variant0Correct: boolean;
  /** The distinct answers, and S_prob of each (Eq. 4) at the same index. */
  answers: (string | null)[];
  reliability: number[];
  /** The most frequent non-null answer of a kept question (ties: the original prompt's answer, then by text). */
  majority: string | null;
  variant0Answer: string | null | undefined;
  gold: string | null | undefined;
}

/** A pool that a `-s` method samples from, and which of its rows (positions in row order, ascending) were drawn. */
interface SamplePlan {
  poolSize: number;
  drawn: number[];
}

/** Everything decided from the per-question summaries: tau, kept questions, samples. */
export interface SelectionPlan {
  tau: number;
  questions: Map<string, QuestionPlan>;
  counts: { questions: number; kept: number; naiveRows: number; filterPool: number; reweightPool: number; randomPool: number };
  samples: { 'filter-s': SamplePlan; 'reweight-s': SamplePlan; 'random-s': SamplePlan };
  options: SelectionOptions;
}

/** First step: decide tau, which questions are kept, the `random` subset and the `-s` samples. */
export function planSelection(summaries: readonly QuestionSummary[], options: SelectionOptions = DEFAULT_SELECTION_OPTIONS): SelectionPlan {
  if (summaries.length === 0) throw new RangeError('planSelection: no questions');
  const tau = tauOf(
    summaries.map((s) => s.entropy),
    options.tauPercentile,
  );
  const nonNullOf = (s: QuestionSummary): number => s.dist.classes.reduce((sum, c) => sum + (c.answer === null ? 0 : c.count), 0);
  // A question none of whose answers could be parsed has entropy 0 but nothing to train on: it is never kept.
  const keptQuestion = (s: QuestionSummary): boolean => isKept(s.entropy, tau) && nonNullOf(s) > 0;
  const randomSubset = new Set(
    new Rng(options.seed)
      .sampleIndices(summaries.length, summaries.filter(keptQuestion).length)
      .map((i) => (summaries[i] as QuestionSummary).id),
  );
  const questions = new Map<string, QuestionPlan>();
  let kept = 0;
  let naiveRows = 0;
  let filterPool = 0;
  let reweightPool = 0;
  let randomPool = 0;
  for (const s of summaries) {
    const isKeptQuestion = keptQuestion(s);
    const scores = reliabilityScores(s.dist, options.temperature);
    const nonNull = nonNullOf(s);
    if (isKeptQuestion) {
      kept++;
      filterPool += nonNull;
    }
    reweightPool += nonNull;
    if (randomSubset.has(s.id)) randomPool += nonNull;
    if (typeof s.variant0Answer === 'string') naiveRows++;
    questions.set(s.id, {
      kept: isKeptQuestion,
      inRandomSubset: randomSubset.has(s.id),
      variant0Correct: typeof s.variant0Answer === 'string' && s.variant0Answer === s.gold,
      answers: s.dist.classes.map((c) => c.answer),
      reliability: scores,
      majority: isKeptQuestion ? majorityAnswer(s) : null,
      variant0Answer: s.variant0Answer,
      gold: s.gold,
    });
  }
  const sample = (label: string, poolSize: number, size: number): SamplePlan => ({
    poolSize,
    drawn: Rng.derive(options.seed, label).sampleIndices(poolSize, Math.min(poolSize, size)),
  });
  const filterS = sample('filter-s', filterPool, naiveRows);
  return {
    tau,
    questions,
    counts: { questions: summaries.length, kept, naiveRows, filterPool, reweightPool, randomPool },
    samples: {
      'filter-s': filterS,
      'reweight-s': sample('reweight-s', reweightPool, naiveRows),
      // As many rows as filter-s has, from the random subset (which has as many questions as filter keeps).
      'random-s': sample('random-s', randomPool, filterS.drawn.length),
    },
    options,
  };
}

function majorityAnswer(s: QuestionSummary): string | null {
  const top = s.dist.classes.filter((c) => c.answer !== null);
  const best = top[0];
  if (best === undefined) return null;
  const tied = top.filter((c) => c.count === best.count).map((c) => c.answer as string);
  if (typeof s.variant0Answer === 'string' && tied.includes(s.variant0Answer)) return s.variant0Answer;
  return tied.sort()[0] as string;
}

/**
 * Second step: decides, row by row, which SFT rows each method gets. Rows must come in the same order for every run
 * over the same data (the `-s` samples are positions in that order).
 */
export class RowSelector {
  private readonly filterSample: SampleCursor;
  private readonly reweightSample: SampleCursor;
  private readonly randomSample: SampleCursor;

  constructor(
    private readonly plan: SelectionPlan,
    private readonly methods: readonly SelectionMethod[],
    private readonly render: RenderAnswer = (answer) => answer,
  ) {
    this.filterSample = new SampleCursor(plan.samples['filter-s'].drawn);
    this.reweightSample = new SampleCursor(plan.samples['reweight-s'].drawn);
    this.randomSample = new SampleCursor(plan.samples['random-s'].drawn);
  }

  /** Hands `emit` the SFT rows this answer row contributes, per method (at most one per method), in method order. */
  select(row: AnswerRecord, emit: (method: SelectionMethod, sft: SftRow) => void): void {
    const q = this.plan.questions.get(row.id);
    if (q === undefined) throw new RangeError(`RowSelector: question "${row.id}" was not in the plan`);
    const trainable = row.answer !== null;
    const inFilterPool = trainable && q.kept;
    const drawnFilter = inFilterPool && this.filterSample.next();
    const drawnReweight = trainable && this.reweightSample.next();
    const drawnRandom = trainable && q.inRandomSubset && this.randomSample.next();
    const facts: RowFacts = {
      variant0: row.variant === 0,
      trainable,
      inFilterPool,
      drawnFilter,
      drawnReweight,
      drawnRandom,
      kept: q.kept,
      hasGold: typeof q.gold === 'string',
      hasMajority: q.majority !== null,
      inRandomSubset: q.inRandomSubset,
      hasVariant0Answer: typeof q.variant0Answer === 'string',
      variant0Correct: q.variant0Correct,
    };
    for (const method of this.methods) {
      const weighted = rowDecision(method, facts);
      if (weighted === null) continue;
      const weight = weighted === 'reliability' ? (q.reliability[q.answers.indexOf(row.answer)] ?? 0) : 1;
      emit(method, { id: row.id, prompt: row.prompt, completion: this.completionFor(method, row, q), weight });
    }
  }

  private completionFor(method: SelectionMethod, row: AnswerRecord, q: QuestionPlan): string {
    switch (completionSource(method, this.plan.options.completion)) {
      case 'gold':
        return this.render(q.gold as string, row);
      case 'majority':
        return this.render(q.majority as string, row);
      case 'variant0':
        return this.render(q.variant0Answer as string, row);
      case 'answer':
        return this.render(row.answer as string, row);
      case 'output':
        return row.output;
    }
  }
}

/** What one answer row and its question look like to the selection rules. */
export interface RowFacts {
  /** The row answers the original prompt (variant 0). */
  variant0: boolean;
  /** The row's answer is not null. */
  trainable: boolean;
  inFilterPool: boolean;
  /** The row's position in the filter (reweight) pool was drawn for `filter-s` (`reweight-s`). */
  drawnFilter: boolean;
  drawnReweight: boolean;
  /** The row's position in the pool of the random subset's trainable rows was drawn for `random-s`. */
  drawnRandom: boolean;
  kept: boolean;
  hasGold: boolean;
  hasMajority: boolean;
  inRandomSubset: boolean;
  hasVariant0Answer: boolean;
  /** The question's original-prompt answer equals its gold answer. */
  variant0Correct: boolean;
}

/** Whether a method takes a row, and with which weight: 1 (`one`), S_prob (`reliability`, Eq. 4-5), or not at all. */
export function rowDecision(method: SelectionMethod, f: RowFacts): 'one' | 'reliability' | null {
  switch (method) {
    case 'naive':
      return f.variant0 && f.trainable ? 'one' : null;
    case 'filter':
      return f.inFilterPool ? 'one' : null;
    case 'filter-s':
      return f.drawnFilter ? 'one' : null;
    case 'reweight':
      return f.trainable ? 'reliability' : null;
    case 'reweight-s':
      return f.drawnReweight ? 'reliability' : null;
    case 'ceiling':
      return f.variant0 && f.hasGold ? 'one' : null;
    case 'filter-reweight':
      return f.inFilterPool ? 'reliability' : null;
    case 'majority':
      return f.kept && f.hasMajority ? 'one' : null;
    case 'random':
      return f.inRandomSubset && f.trainable ? 'one' : null;
    case 'consistent':
      return f.hasVariant0Answer ? 'one' : null;
    case 'random-s':
      return f.drawnRandom ? 'one' : null;
    case 'oracle':
      return f.variant0 && f.trainable && f.variant0Correct ? 'one' : null;
  }
}

/**
 * What a method's row trains on: the raw output or the row's own answer (as `completion` says), or, for relabelled
 * rows, the question's gold, majority or original-prompt answer (rendered for the row's variation).
 */
export function completionSource(method: SelectionMethod, completion: SelectionOptions['completion']): 'output' | 'answer' | 'gold' | 'majority' | 'variant0' {
  switch (method) {
    case 'ceiling':
      return 'gold';
    case 'majority':
      return 'majority';
    case 'consistent':
      return 'variant0';
    default:
      return completion;
  }
}

/** Walks a pool in row order and says, row by row, whether that position was drawn. */
class SampleCursor {
  private position = 0;
  private nextDrawn = 0;

  constructor(private readonly drawn: readonly number[]) {}

  next(): boolean {
    const hit = this.drawn[this.nextDrawn] === this.position++;
    if (hit) this.nextDrawn++;
    return hit;
  }
}

/** Summarise in-memory answer rows per question (the first pass, for callers that hold the rows). */
export function summarizeQuestions(rows: readonly AnswerRecord[]): QuestionSummary[] {
  const byId = new Map<string, { answers: (string | null)[]; variant0: string | null | undefined; gold: string | null | undefined }>();
  for (const row of rows) {
    let entry = byId.get(row.id);
    if (entry === undefined) {
      entry = { answers: [], variant0: undefined, gold: undefined };
      byId.set(row.id, entry);
    }
    entry.answers.push(row.answer);
    if (row.variant === 0) entry.variant0 = row.answer;
    if (row.gold !== undefined) entry.gold = row.gold;
  }
  return [...byId].map(([id, e]) => {
    const dist = answerDistribution(e.answers);
    return { id, dist, entropy: entropy(dist), variant0Answer: e.variant0, gold: e.gold };
  });
}

/** Run every requested method over in-memory rows: the same plan and decisions as the streaming `w2s score`. */
export function selectRows(
  rows: readonly AnswerRecord[],
  methods: readonly SelectionMethod[],
  options: SelectionOptions = DEFAULT_SELECTION_OPTIONS,
  render?: RenderAnswer,
): { summaries: QuestionSummary[]; plan: SelectionPlan; rows: Map<SelectionMethod, SftRow[]> } {
  const summaries = summarizeQuestions(rows);
  const plan = planSelection(summaries, options);
  const selector = new RowSelector(plan, methods, render);
  const out = new Map<SelectionMethod, SftRow[]>(methods.map((m) => [m, []]));
  for (const row of rows) selector.select(row, (method, sft) => out.get(method)?.push(sft));
  return { summaries, plan, rows: out };
}
