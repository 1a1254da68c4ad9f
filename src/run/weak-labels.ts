// A run's labelling (every variation of every val question) and test evaluation (the original prompts) with a model
// of its run engine, the per-question test logs, and the diagnostics of the weak labels (docs/method.md Sec. 4.1 and
// Figures 3-4).
import { reliabilityScores } from '../core/reliability.js';
import { accuracy, auroc, entropyBins, isCorrect, KeptDroppedTally, reliabilityMatrix, riskCoverage } from '../core/metrics.js';
import type { QuestionSummary, SelectionPlan } from '../core/selection.js';
import { mean } from '../core/statistics.js';
import type { AnswerRecord, Variation } from '../core/types.js';
import type { EngineDecoding } from '../backends/builtin.js';
import type { Question, Task } from '../tasks/types.js';
import { questionVariations } from '../label/variations.js';
import type { WeakLabelDiagnostics } from './results.js';
import type { GenerateTexts } from './engines/types.js';

/** Decoding for the suite's short answers: greedy, a few tokens. */
export const ANSWER_DECODING: EngineDecoding = { maxTokens: 8, temperature: 0, stop: ['\n'], batchSize: 64 };

/** How a task's answers are read for the diagnostics: option positions, label words, or free numbers. */
export type AnswerKind = 'multiple-choice' | 'binary' | 'numeric';

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

/** A model's outcome on the test split: accuracy and, question by question, whether it was right ("1") or not ("0"). */
export interface TestOutcome {
  accuracy: number;
  correct: string;
}

/**
 * Outputs to the test's original prompts, scored: each parsed and compared with gold (core/metrics `accuracy`), and the
 * per-question log (`test-<model>.jsonl`: id, prompt, output, answer, gold) from which errors can be read.
 */
export function scoreTestOutputs<R extends Question>(
  task: Task<R>,
  records: readonly R[],
  originals: readonly Variation[],
  outputs: readonly string[],
): { outcome: TestOutcome; log: string } {
  const answers = outputs.map((output, i) => task.parseAnswer(output, originals[i] as Variation));
  const golds = records.map((r) => r.gold);
  return {
    outcome: { accuracy: accuracy(answers, golds), correct: answers.map((a, i) => (isCorrect(a, golds[i]) ? '1' : '0')).join('') },
    log: records
      .map((r, i) => `${JSON.stringify({ id: r.id, prompt: (originals[i] as Variation).prompt, output: outputs[i], answer: answers[i], gold: golds[i] })}\n`)
      .join(''),
  };
}

/** A model's outputs to the test's original prompts (built once per cell by the caller), greedy. */
export function answerTest(generate: GenerateTexts, originals: readonly Variation[], decoding: EngineDecoding = ANSWER_DECODING): Promise<string[]> {
  return generate(originals.map((v) => v.prompt), decoding);
}

/** One seed's weak labels and what its selection made of them. */
export interface WeakLabelSeed {
  answers: readonly AnswerRecord[];
  summaries: readonly QuestionSummary[];
  plan: SelectionPlan;
}

/**
 * Diagnostics of the weak labels: Fig. 3 (entropy bins vs correctness of the original prompt's answer), Fig. 4
 * (mean S_prob per weak label x gold label: option positions A-D of the original order for multiple choice, the label
 * for binary tasks; numeric answers have no fixed label set and get none), AUROC, risk-coverage, and where the weak
 * model's wrong answers sit among the displayed options. Pooled over the seeds given: each seed's weak labels with
 * the `summaries` and `plan` its selection used (a (seed, question) pair is one item of the bins and curves).
 */
export function weakLabelDiagnostics(seeds: readonly WeakLabelSeed[], kind: AnswerKind): WeakLabelDiagnostics {
  if (seeds.length === 0) throw new RangeError('weakLabelDiagnostics: no seeds');
  const questionItems: { entropy: number; correct: boolean; kept: boolean }[] = [];
  const rowScores: number[] = [];
  const rowCorrect: boolean[] = [];
  const matrixRows: { weak: string; gold: string; score: number }[] = [];
  const wrongPositions = [0, 0, 0, 0];
  for (const { answers, summaries, plan } of seeds) {
    const byId = new Map<string, AnswerRecord[]>();
    for (const a of answers) {
      const rows = byId.get(a.id);
      if (rows) rows.push(a);
      else byId.set(a.id, [a]);
    }
    for (const s of summaries) {
      const rows = byId.get(s.id) ?? [];
      const gold = rows[0]?.gold ?? null;
      const scores = reliabilityScores(s.dist, plan.options.temperature);
      questionItems.push({ entropy: s.entropy, correct: isCorrect(s.variant0Answer, gold), kept: plan.questions.get(s.id)?.kept ?? false });
      const original = rows.find((r) => r.variant === 0);
      for (const row of rows) {
        const score = scores[s.dist.classes.findIndex((c) => c.answer === row.answer)] as number;
        const correct = isCorrect(row.answer, gold);
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
  }
  const weakLabels = new KeptDroppedTally();
  for (const item of questionItems) weakLabels.add(item.kept, item.correct ? 1 : 0, 1);
  const wrongTotal = wrongPositions.reduce((a, b) => a + b, 0);
  const taus = seeds.map((seed) => seed.plan.tau);
  const kept = mean(seeds.map((seed) => seed.plan.counts.kept));
  const questions = (seeds[0] as WeakLabelSeed).summaries.length;
  return {
    tau: mean(taus),
    tau_per_seed: taus,
    kept_questions: kept,
    kept_share: kept / questions,
    tau_at_lowest_entropy: seeds.filter((seed) => seed.plan.tau <= Math.min(...seed.summaries.map((q) => q.entropy))).length,
    questions,
    entropy_bins: entropyBins(questionItems),
    reliability_matrix: reliabilityMatrix(matrixRows),
    auroc_entropy: auroc(questionItems.map((i) => -i.entropy), questionItems.map((i) => i.correct)),
    auroc_reliability: auroc(rowScores, rowCorrect),
    risk_coverage: riskCoverage(questionItems.map((i) => -i.entropy), questionItems.map((i) => i.correct)),
    weak_label_accuracy: weakLabels.result(),
    ...(kind === 'multiple-choice' && wrongTotal > 0 ? { wrong_answer_positions: wrongPositions.map((c) => c / wrongTotal) } : {}),
  };
}
