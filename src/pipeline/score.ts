// `w2s score`: reliability for any answers file, streamed in two passes (PAPER.md Sec. 4).
// Pass 1 tallies a few numbers per question; pass 2 re-reads the file and writes the SFT rows of every method.
// Memory grows with the number of questions, never with the text of prompts and outputs.
import { statSync } from 'node:fs';
import { badInput, W2sError } from '../errors.js';
import { addOutcome, aurocFromHistogram, type OutcomeCounts } from '../core/metrics.js';
import { distributionFromCounts, entropy, reliabilityScores } from '../core/reliability.js';
import {
  PAPER_METHODS,
  RowSelector,
  planSelection,
  type QuestionSummary,
  type RenderAnswer,
  type SelectionMethod,
  type SelectionOptions,
  type SelectionPlan,
} from '../core/selection.js';
import type { AnswerRecord, SftRow } from '../core/types.js';
import { readAnswerLines, type AnswerLine } from '../data/answers.js';
import { StagedOutput, type BufferedWriter } from './output-dir.js';

export interface ScoreOptions extends SelectionOptions {
  input: string;
  out: string;
  /** Methods whose SFT rows to write; default: the paper's (ceiling only when gold answers are present). */
  methods?: readonly SelectionMethod[];
  /** Derives `answer` from `output` (and `choices`) for lines that have none: a task's parser. */
  parseAnswer?: (row: AnswerLine) => string | null;
  /** Renders canonical answers as completions (a task's `renderAnswer`); identity without a task. */
  render?: RenderAnswer;
  /** Called now and then with the pass (1 or 2) and the fraction of the file read. */
  onProgress?: (pass: 1 | 2, fraction: number) => void;
}

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
  /** Present when the file has gold answers. */
  gold?: {
    questions_with_gold: number;
    /** Accuracy of the original prompt's answer (variant 0), per question: all, kept, dropped. */
    variant0_accuracy: { all: number | null; kept: number | null; dropped: number | null };
    /** Accuracy of every answer row: all, kept, dropped. */
    row_accuracy: { all: number | null; kept: number | null; dropped: number | null };
    /** AUROC of -entropy for the correctness of the variant-0 answer. */
    auroc_entropy: number | null;
    /** AUROC of S_prob for the correctness of each answer row. */
    auroc_reliability: number | null;
  };
}

/** Per-question state of pass 1: a handful of numbers and the distinct answers. */
interface QuestionTally {
  /** Distinct answers and their counts, side by side (a question has few distinct answers). */
  answers: (string | null)[];
  counts: number[];
  /** Bit v set when variant v (< 31) was seen; larger variants go to `moreVariants`. */
  variantBits: number;
  moreVariants?: Set<number>;
  variant0: string | null | undefined;
  gold: string | null | undefined;
}

/** Score an answers file into `out`: reliability.jsonl, sft-<method>.jsonl, summary.json. All or nothing. */
export function score(options: ScoreOptions): ScoreSummary {
  const { input } = options;
  const size = inputSize(input);
  const tallies = tallyQuestions(options, size);
  if (tallies.size === 0) throw badInput('no answers: the file is empty', { file: input });

  const hasGold = [...tallies.values()].some((t) => typeof t.gold === 'string');
  const methods = options.methods ?? PAPER_METHODS.filter((m) => m !== 'ceiling' || hasGold);
  if (methods.includes('ceiling') && !hasGold) throw badInput('method "ceiling" needs gold answers, and no line has a "gold"', { file: input, field: 'gold' });

  const summaries: QuestionSummary[] = [];
  for (const [id, t] of tallies) {
    const dist = distributionFromCounts(new Map(t.answers.map((a, i) => [a, t.counts[i] as number])));
    summaries.push({ id, dist, entropy: entropy(dist), variant0Answer: t.variant0, gold: t.gold });
  }
  tallies.clear(); // the summaries hold all that is needed from here on
  const plan = planSelection(summaries, options);

  const output = new StagedOutput(options.out);
  try {
    writeReliability(output, summaries, plan);
    const sftRows = writeSftRows(output, plan, methods, options, size);
    const summary = summarize(options, summaries, plan, sftRows);
    const summaryWriter = output.writer('summary.json');
    summaryWriter.write(`${JSON.stringify(summary, null, 2)}\n`);
    summaryWriter.close();
    output.commit();
    return summary;
  } catch (error) {
    output.abort();
    throw error;
  }
}

function resolveAnswer(row: AnswerLine, options: ScoreOptions, line: number): string | null {
  if (row.answer !== undefined) return row.answer;
  if (options.parseAnswer) return withLocation(() => (options.parseAnswer as NonNullable<ScoreOptions['parseAnswer']>)(row), options.input, line);
  throw badInput('missing (pass --task NAME to derive answers from "output")', { file: options.input, line, field: 'answer' });
}

function inputSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw badInput('not a file', { file });
    return stat.size;
  } catch (error) {
    if (error instanceof W2sError) throw error;
    throw badInput(`cannot read the answers file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { file });
  }
}

/** Runs `f`, giving a task's input errors the file and line they were found at. */
function withLocation<T>(f: () => T, file: string, line: number): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof W2sError) throw error.at({ file, line });
    throw error;
  }
}

function tallyQuestions(options: ScoreOptions, size: number): Map<string, QuestionTally> {
  const tallies = new Map<string, QuestionTally>();
  for (const { line, row } of progressLines(options, 1, size)) {
    const answer = resolveAnswer(row, options, line);
    let t = tallies.get(row.id);
    if (t === undefined) {
      t = { answers: [], counts: [], variantBits: 0, variant0: undefined, gold: row.gold };
      tallies.set(row.id, t);
    } else if (row.gold !== undefined && t.gold !== undefined && row.gold !== t.gold) {
      throw badInput(`question "${row.id}" has two different gold answers (${JSON.stringify(t.gold)} and ${JSON.stringify(row.gold)})`, { file: options.input, line, field: 'gold' });
    } else if (t.gold === undefined) t.gold = row.gold;
    if (seenVariant(t, row.variant)) throw badInput(`duplicate (id, variant) = (${JSON.stringify(row.id)}, ${row.variant})`, { file: options.input, line, field: 'variant' });
    const k = t.answers.indexOf(answer);
    if (k < 0) {
      t.answers.push(answer);
      t.counts.push(1);
    } else t.counts[k] = (t.counts[k] as number) + 1;
    if (row.variant === 0) t.variant0 = answer;
  }
  return tallies;
}

/** Records the variant and says whether it had been seen before. */
function seenVariant(t: QuestionTally, variant: number): boolean {
  if (variant < 31) {
    const bit = 1 << variant;
    if (t.variantBits & bit) return true;
    t.variantBits |= bit;
    return false;
  }
  t.moreVariants ??= new Set();
  if (t.moreVariants.has(variant)) return true;
  t.moreVariants.add(variant);
  return false;
}

function* progressLines(options: ScoreOptions, pass: 1 | 2, size: number): Generator<{ line: number; row: AnswerLine; bytesRead: number }> {
  let count = 0;
  for (const item of readAnswerLines(options.input)) {
    if (options.onProgress && (++count & 0xffff) === 0) options.onProgress(pass, size === 0 ? 1 : item.bytesRead / size);
    yield item;
  }
  options.onProgress?.(pass, 1);
}

function writeReliability(output: StagedOutput, summaries: readonly QuestionSummary[], plan: SelectionPlan): void {
  const writer = output.writer('reliability.jsonl');
  for (const s of summaries) {
    const scores = reliabilityScores(s.dist, plan.options.temperature);
    const distribution = s.dist.classes.map((c, i) => ({ answer: c.answer, count: c.count, p: c.count / s.dist.n, reliability: scores[i] }));
    writer.write(`${JSON.stringify({ id: s.id, n: s.dist.n, distribution, entropy: s.entropy, kept: plan.questions.get(s.id)?.kept ?? false })}\n`);
  }
  writer.close();
}

function writeSftRows(output: StagedOutput, plan: SelectionPlan, methods: readonly SelectionMethod[], options: ScoreOptions, size: number): Map<SelectionMethod, number> {
  const encoder = new JsonStringCache();
  const writers = new Map(methods.map((m) => [m, new SftWriter(output.writer(`sft-${m}.jsonl`), encoder)]));
  const selector = new RowSelector(plan, methods, options.render);
  const emit = (method: SelectionMethod, sft: SftRow): void => writers.get(method)?.write(sft);
  for (const { line, row } of progressLines(options, 2, size)) {
    const record = row as AnswerRecord;
    record.answer = resolveAnswer(row, options, line);
    withLocation(() => selector.select(record, emit), options.input, line);
  }
  for (const w of writers.values()) w.close();
  return new Map([...writers].map(([m, w]) => [m, w.rows]));
}

/**
 * JSON-encodes strings, remembering the last few: the methods that take an answer row share its id, prompt and
 * output, so each is encoded once per row instead of once per method.
 */
class JsonStringCache {
  private readonly keys: string[] = ['', '', ''];
  private readonly values: string[] = ['""', '""', '""'];

  encode(slot: 0 | 1 | 2, text: string): string {
    if (this.keys[slot] !== text) {
      this.keys[slot] = text;
      this.values[slot] = JSON.stringify(text);
    }
    return this.values[slot] as string;
  }
}

/** Writes SFT rows as JSON lines. */
class SftWriter {
  rows = 0;

  constructor(
    private readonly out: BufferedWriter,
    private readonly encoder: JsonStringCache,
  ) {}

  write(sft: SftRow): void {
    const e = this.encoder;
    this.out.write(`{"id":${e.encode(0, sft.id)},"prompt":${e.encode(1, sft.prompt)},"completion":${e.encode(2, sft.completion)},"weight":${sft.weight}}\n`);
    this.rows++;
  }

  close(): void {
    this.out.close();
  }
}

function summarize(options: ScoreOptions, summaries: readonly QuestionSummary[], plan: SelectionPlan, sftRows: Map<SelectionMethod, number>): ScoreSummary {
  let rows = 0;
  let unparseable = 0;
  for (const s of summaries) {
    rows += s.dist.n;
    unparseable += s.dist.classes.find((c) => c.answer === null)?.count ?? 0;
  }
  const summary: ScoreSummary = {
    input: options.input,
    questions: summaries.length,
    rows,
    unparseable_rows: unparseable,
    tau: plan.tau,
    tau_percentile: options.tauPercentile,
    temperature: options.temperature,
    seed: options.seed,
    kept_questions: plan.counts.kept,
    dropped_questions: summaries.length - plan.counts.kept,
    sft_rows: Object.fromEntries(sftRows),
  };
  const withGold = summaries.filter((s) => typeof s.gold === 'string');
  if (withGold.length > 0) summary.gold = goldStatistics(withGold, plan);
  return summary;
}

/** Correct / total counts of weak labels, overall and split by the filter's decision. */
class AccuracyTally {
  private readonly groups = { all: [0, 0], kept: [0, 0], dropped: [0, 0] };

  add(kept: boolean, correct: number, total: number): void {
    for (const g of [this.groups.all, kept ? this.groups.kept : this.groups.dropped]) {
      g[0] = (g[0] as number) + correct;
      g[1] = (g[1] as number) + total;
    }
  }

  result(): { all: number | null; kept: number | null; dropped: number | null } {
    const ratio = ([correct, total]: number[]): number | null => (total === 0 ? null : (correct as number) / (total as number));
    return { all: ratio(this.groups.all), kept: ratio(this.groups.kept), dropped: ratio(this.groups.dropped) };
  }
}

function goldStatistics(withGold: readonly QuestionSummary[], plan: SelectionPlan): NonNullable<ScoreSummary['gold']> {
  const variant0 = new AccuracyTally();
  const rows = new AccuracyTally();
  const byEntropy = new Map<number, OutcomeCounts>();
  const byReliability = new Map<number, OutcomeCounts>();
  for (const s of withGold) {
    const kept = plan.questions.get(s.id)?.kept ?? false;
    if (s.variant0Answer !== undefined) {
      const correct = s.variant0Answer === s.gold;
      variant0.add(kept, correct ? 1 : 0, 1);
      addOutcome(byEntropy, -s.entropy, correct, 1);
    }
    const scores = reliabilityScores(s.dist, plan.options.temperature);
    s.dist.classes.forEach((c, i) => {
      const correct = c.answer === s.gold;
      rows.add(kept, correct ? c.count : 0, c.count);
      addOutcome(byReliability, scores[i] as number, correct, c.count);
    });
  }
  return {
    questions_with_gold: withGold.length,
    variant0_accuracy: variant0.result(),
    row_accuracy: rows.result(),
    auroc_entropy: aurocFromHistogram(byEntropy),
    auroc_reliability: aurocFromHistogram(byReliability),
  };
}
