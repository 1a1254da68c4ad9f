// HellaSwag (Rowan/hellaswag): choose the ending of a sentence among four (docs/method.md, App. B.1).
import { z } from 'zod';
import type { PermutationMode } from '../core/variations.js';
import { optionOrderVariations, parseOptionLetter, renderOptionLetter } from './multiple-choice.js';
import { splitFromFileName } from './split-names.js';
import { FOUR_OPTION_ORDERS, type Question, type RowContext, type Task } from './types.js';
import { dropUndefined, expected, integer, text, validateRow } from './validate.js';

/** A HellaSwag question with the hub's field names; `label` is the gold ending's index, null in the test split. */
export interface HellaSwagRecord extends Question {
  ind?: number;
  activity_label?: string;
  ctx_a?: string;
  ctx_b?: string;
  ctx: string;
  endings: string[];
  source_id?: string;
  split?: string;
  split_type?: string;
  label: number | null;
}

/** Options of the HellaSwag task. */
export interface HellaSwagOptions {
  /** How the N option orders are chosen (default `original-first`). */
  permutationMode?: PermutationMode;
}

// The hub stores `label` as a string ("" in the unlabelled test split); the original JSON Lines release as an
// integer, and leaves it out of its test file.
const label = z.preprocess(
  (value) => (value === undefined || value === null || value === '' ? null : value),
  integer.pipe(z.number().min(0, { error: 'expected 0 to 3' }).max(3, { error: 'expected 0 to 3' })).nullable(),
);

const rowSchema = z.object({
  ind: integer.optional(),
  activity_label: text.optional(),
  ctx_a: text.optional(),
  ctx_b: text.optional(),
  ctx: text,
  endings: z.array(text, { error: expected('a list of 4 endings') }).length(4, { error: 'expected exactly 4 endings' }),
  source_id: text.optional(),
  split: text.optional(),
  split_type: text.optional(),
  label,
});

/** App. B.1 prompt, verbatim; `shown` are the endings in display order. */
export function hellaswagPrompt(ctx: string, shown: readonly string[]): string {
  const [a, b, c, d] = shown;
  return (
    '### Instruction: Choose an appropriate ending for the provided sentence based on your commonsense knowledge. ' +
    'In your response, choose an answer from A,B,C,D, and then provide a brief explanation. ' +
    `Sentence: ${ctx}. Choices: A. ${a} B. ${b} C. ${c} D. ${d}. ### Answer:`
  );
}

/** The HellaSwag task. */
export function hellaswagTask(options: HellaSwagOptions = {}): Task<HellaSwagRecord> {
  const mode = options.permutationMode ?? 'original-first';
  return {
    name: 'hellaswag',
    variationKind: 'permutation',
    defaultVariations: 5,
    maxVariations: FOUR_OPTION_ORDERS,
    sourceSplits: ['train', 'validation', 'test'],
    // App. B.1: 5,000 sampled from train; the official validation split halved into val and test of 5,000 each
    // (the hub's test split has no labels).
    splitPlan: {
      train: { kind: 'sample', from: 'train', size: 5000 },
      val: { kind: 'half', from: 'validation', part: 0, size: 5000 },
      test: { kind: 'half', from: 'validation', part: 1, size: 5000 },
    },
    sourceSplitOf: (file) => splitFromFileName(file, { train: ['train'], validation: ['validation', 'val'], test: ['test'] }),
    fromRow(row, at: RowContext) {
      const fields = validateRow(rowSchema, row, at);
      const gold = fields.label === null ? null : (fields.endings[fields.label] ?? null);
      return { ...dropUndefined(fields), id: `hellaswag/${at.split}/${at.index}`, gold };
    },
    prompt: (record) => hellaswagPrompt(record.ctx, record.endings),
    variations: (record, n, rng) => optionOrderVariations(record.endings, n, rng, mode, (shown) => hellaswagPrompt(record.ctx, shown)),
    parseAnswer: (output, variation) => parseOptionLetter(output, variation),
    renderAnswer: (answer, variation) => renderOptionLetter(answer, variation),
    goldCompletion: (record) => (record.gold === null ? null : renderOptionLetter(record.gold, { choices: record.endings })),
  };
}
