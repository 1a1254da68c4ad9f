// Labelling and evaluation with a model of the built-in engine, and the diagnostics of the weak labels
// (PAPER.md Sec. 4.1 and Figures 3-4).
import { Rng } from '../core/rng.js';
import { reliabilityScores } from '../core/reliability.js';
import { auroc, entropyBins, reliabilityMatrix, riskCoverage } from '../core/metrics.js';
import { planSelection, summarizeQuestions, type SelectionOptions } from '../core/selection.js';
import type { AnswerRecord, Variation } from '../core/types.js';
import type { EngineDecoding } from '../backends/builtin.js';
import type { Question, Task } from '../tasks/types.js';
import type { WeakLabelDiagnostics } from './results.js';
import type { GenerateTexts } from './run-engine.js';

/** Decoding for the suite's short answers: greedy, a few tokens. */
export const ANSWER_DECODING: EngineDecoding = { maxTokens: 8, temperature: 0, stop: ['\n'], batchSize: 64 };

/** How a task's answers are read for the diagnostics: option positions, label words, or free numbers. */
export type AnswerKind = 'multiple-choice' | 'binary' | 'numeric';

/** The N variations of each question (variant 0 = the original prompt), seeded per question. */
export async function questionVariations<R extends Question>(task: Task<R>, records: readonly R[], n: number, seed: number): Promise<Variation[][]> {
  return Promise.all(
    records.map(async (record) => {
      const rng = Rng.derive(seed, `variations:${record.id}`);
      const texts = task.variationTexts ? await task.variationTexts(record, n, rng) : undefined;
      return task.variations(record, n, rng, texts);
    }),
  );
}

/** Ask the model every variation of every question; parse each output to a canonical answer (the answers contract). */
export async function labelQuestions<R extends Question>(
  generate: GenerateTexts,
  task: Task<R>,
  records: readonly R[],
  n: number,
  seed: number,
  decoding: EngineDecoding = ANSWER_DECODING,
): Promise<AnswerRecord[]> {
  const variations = await questionVariations(task, records, n, seed);
  const flat = variations.flatMap((vs, q) => vs.map((v) => ({ record: records[q] as R, variation: v })));
  const outputs = await generate(flat.map((f) => f.variation.prompt), decoding);
  return flat.map(({ record, variation }, i) => {
    const output = outputs[i] as string;
    return {
      id: record.id,
      variant: variation.variant,
      prompt: variation.prompt,
      output,
      answer: task.parseAnswer(output, variation),
      gold: record.gold,
      ...(variation.choices ? { choices: variation.choices } : {}),
    };
  });
}

/** The original prompt (variant 0) of each question: what the test asks. */
export async function originalPrompts<R extends Question>(task: Task<R>, records: readonly R[]): Promise<Variation[]> {
  return (await questionVariations(task, records, 1, 0)).map((vs) => vs[0] as Variation);
}

/** Accuracy of outputs to the original prompts: parsed, compared with gold (unparseable is wrong). */
export function accuracyOfOutputs<R extends Question>(task: Task<R>, records: readonly R[], originals: readonly Variation[], outputs: readonly string[]): number {
  let correct = 0;
  outputs.forEach((output, i) => {
    const prediction = task.parseAnswer(output, originals[i] as Variation);
    if (prediction !== null && prediction === records[i]?.gold) correct++;
  });
  return correct / records.length;
}

/** Test accuracy of a model: the original prompt of each question, greedy. */
export async function evaluateAccuracy<R extends Question>(generate: GenerateTexts, task: Task<R>, records: readonly R[], decoding: EngineDecoding = ANSWER_DECODING): Promise<number> {
  const originals = await originalPrompts(task, records);
  const outputs = await generate(originals.map((v) => v.prompt), decoding);
  return accuracyOfOutputs(task, records, originals, outputs);
}

/**
 * Diagnostics of the weak labels: Fig. 3 (entropy bins vs correctness of the original prompt's answer), Fig. 4
 * (mean S_prob per weak label x gold label: option positions A-D of the original order for multiple choice, the label
 * for binary tasks; numeric answers have no fixed label set and get none), AUROC, risk-coverage, and where the weak
 * model's wrong answers sit among the displayed options.
 */
export function weakLabelDiagnostics(answers: readonly AnswerRecord[], options: SelectionOptions, kind: AnswerKind): WeakLabelDiagnostics {
  const summaries = summarizeQuestions(answers);
  const plan = planSelection(summaries, options);
  const byId = new Map<string, AnswerRecord[]>();
  for (const a of answers) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);

  const questionItems: { entropy: number; correct: boolean; kept: boolean }[] = [];
  const rowScores: number[] = [];
  const rowCorrect: boolean[] = [];
  const matrixRows: { weak: string; gold: string; score: number }[] = [];
  const wrongPositions = [0, 0, 0, 0];
  for (const s of summaries) {
    const rows = byId.get(s.id) ?? [];
    const gold = rows[0]?.gold ?? null;
    const scores = reliabilityScores(s.dist, options.temperature);
    questionItems.push({ entropy: s.entropy, correct: s.variant0Answer !== undefined && s.variant0Answer === gold, kept: plan.questions.get(s.id)?.kept ?? false });
    const original = rows.find((r) => r.variant === 0);
    for (const row of rows) {
      const score = scores[s.dist.classes.findIndex((c) => c.answer === row.answer)] as number;
      const correct = row.answer !== null && row.answer === gold;
      rowScores.push(score);
      rowCorrect.push(correct);
      if (row.answer === null || gold === null) continue;
      if (kind === 'multiple-choice' && original?.choices) {
        const letter = (answer: string): string => 'ABCD'[original.choices?.indexOf(answer) ?? -1] ?? '?';
        matrixRows.push({ weak: letter(row.answer), gold: letter(gold), score });
        const shown = row.choices?.indexOf(row.answer) ?? -1;
        if (!correct && shown >= 0 && shown < 4) wrongPositions[shown] = (wrongPositions[shown] as number) + 1;
      } else if (kind === 'binary') {
        matrixRows.push({ weak: row.answer, gold, score });
      }
    }
  }
  const accuracyOf = (items: typeof questionItems): number | null => (items.length === 0 ? null : items.filter((i) => i.correct).length / items.length);
  const wrongTotal = wrongPositions.reduce((a, b) => a + b, 0);
  return {
    tau: plan.tau,
    kept_questions: plan.counts.kept,
    questions: summaries.length,
    entropy_bins: entropyBins(questionItems),
    reliability_matrix: reliabilityMatrix(matrixRows),
    auroc_entropy: auroc(questionItems.map((i) => -i.entropy), questionItems.map((i) => i.correct)),
    auroc_reliability: auroc(rowScores, rowCorrect),
    risk_coverage: riskCoverage(questionItems.map((i) => -i.entropy), questionItems.map((i) => i.correct)),
    weak_label_accuracy: { all: accuracyOf(questionItems), kept: accuracyOf(questionItems.filter((i) => i.kept)), dropped: accuracyOf(questionItems.filter((i) => !i.kept)) },
    ...(kind === 'multiple-choice' && wrongTotal > 0 ? { wrong_answer_positions: wrongPositions.map((c) => c / wrongTotal) } : {}),
  };
}
