// MMLU (cais/mmlu, all subjects merged): four-option questions on 57 subjects (docs/method.md, App. B.2).
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { PermutationMode } from '../core/variations.js';
import { badInput } from '../errors.js';
import { LETTERS, optionOrderVariations, parseOptionLetter, renderOptionLetter } from './multiple-choice.js';
import { splitFromFileName } from './split-names.js';
import { FOUR_OPTION_ORDERS, type Question, type RowContext, type Task } from './types.js';
import { expected, integer, text, validateRow } from './validate.js';

/** An MMLU question with the hub's field names; `answer` is the gold option's index. */
export interface MmluRecord extends Question {
  question: string;
  /** The subject as the dataset names it (`abstract_algebra`); empty in `auxiliary_train`. */
  subject: string;
  choices: string[];
  answer: number;
}

/**
 * Which source split becomes our train split. The paper keeps "the original train/validation/test split": MMLU's
 * training set is `auxiliary_train` (the default). `dev` (five examples per subject) is what the paper's public
 * code trained the weak supervisor on.
 */
export type MmluTrainSource = 'auxiliary_train' | 'dev';

/** Options of the MMLU task. */
export interface MmluOptions {
  permutationMode?: PermutationMode;
  trainSource?: MmluTrainSource;
}

/** Columns of the original header-less CSV release (`<subject>_<split>.csv`). */
const CSV_COLUMNS = ['question', 'A', 'B', 'C', 'D', 'answer'] as const;

const answerIndex = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*[A-Da-d]\s*$/.test(value) ? LETTERS.join('').indexOf(value.trim().toUpperCase()) : value),
  integer.pipe(z.number().min(0, { error: 'expected 0 to 3 or A to D' }).max(3, { error: 'expected 0 to 3 or A to D' })),
);

const hubSchema = z.object({
  question: text,
  subject: text.optional(),
  choices: z.array(text, { error: expected('a list of 4 options') }).length(4, { error: 'expected exactly 4 options' }),
  answer: answerIndex,
});

const csvSchema = z.object({ question: text, A: text, B: text, C: text, D: text, answer: answerIndex });

/** App. B.2 prompt, verbatim; `shown` are the options in display order. */
export function mmluPrompt(subject: string, question: string, shown: readonly string[]): string {
  const [a, b, c, d] = shown;
  return (
    `### Instruction: The following are multiple choice questions about ${subjectText(subject)}. ` +
    'In your response, choose an answer from A,B,C,D, and provide a brief explanation on your answer. ' +
    `### Question: ${question}. A. ${a}. B. ${b}. C. ${c}. D. ${d}. ### Answer:`
  );
}

// The prompt names the subject in words ("abstract algebra"), as the paper's public code does.
function subjectText(subject: string): string {
  return subject.replace(/_/g, ' ');
}

/** The MMLU task. */
export function mmluTask(options: MmluOptions = {}): Task<MmluRecord> {
  const mode = options.permutationMode ?? 'original-first';
  const trainSource = options.trainSource ?? 'auxiliary_train';
  return {
    name: 'mmlu',
    variationKind: 'permutation',
    defaultVariations: 5,
    maxVariations: FOUR_OPTION_ORDERS,
    sourceSplits: ['auxiliary_train', 'dev', 'validation', 'test'],
    // App. B.2: all subjects merged, the original splits kept.
    splitPlan: {
      train: { kind: 'all', from: trainSource },
      val: { kind: 'all', from: 'validation' },
      test: { kind: 'all', from: 'test' },
    },
    csvColumns: CSV_COLUMNS,
    sourceSplitOf: (file) =>
      splitFromFileName(file, { auxiliary_train: ['auxiliary_train'], dev: ['dev'], validation: ['validation', 'val'], test: ['test'] }),
    fromRow(row, at: RowContext) {
      const fields = readFields(row, at);
      const subject = fields.subject ?? subjectFromPath(at);
      const id = subject === '' ? `mmlu/${at.split}/${at.index}` : `mmlu/${at.split}/${subject}/${at.occurrence(subject)}`;
      return { id, gold: fields.choices[fields.answer] ?? null, question: fields.question, subject, choices: fields.choices, answer: fields.answer };
    },
    prompt: (record) => mmluPrompt(record.subject, record.question, record.choices),
    variations: (record, n, rng) =>
      optionOrderVariations(record.choices, n, rng, mode, (shown) => mmluPrompt(record.subject, record.question, shown)),
    parseAnswer: (output, variation) => parseOptionLetter(output, variation),
    renderAnswer: (answer, variation) => renderOptionLetter(answer, variation),
    goldCompletion: (record) => (record.gold === null ? null : renderOptionLetter(record.gold, { choices: record.choices })),
  };
}

interface MmluFields {
  question: string;
  subject?: string;
  choices: string[];
  answer: number;
}

function readFields(row: Readonly<Record<string, unknown>>, at: RowContext): MmluFields {
  // The hub's `auxiliary_train` configuration wraps every row in a struct column named `train`.
  const inner = row.train;
  if (Object.keys(row).length === 1 && typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
    return readFields(inner as Record<string, unknown>, at);
  }
  if (at.format === 'csv') {
    const csv = validateRow(csvSchema, row, at);
    return { question: csv.question, choices: [csv.A, csv.B, csv.C, csv.D], answer: csv.answer };
  }
  return validateRow(hubSchema, row, at);
}

// The original release names the subject only in the file name (`abstract_algebra_test.csv`); a hub file of one
// subject's configuration lies in that subject's folder (`abstract_algebra/test-00000-of-00001.parquet`).
function subjectFromPath(at: RowContext): string {
  if (at.split === 'auxiliary_train') return '';
  const fromName = /^(.+)_(?:dev|val|test)\.csv$/i.exec(basename(at.file));
  if (fromName?.[1]) return fromName[1];
  const folder = basename(dirname(at.file));
  if (/^[a-z_]+-\d{5}-of-\d{5}\.parquet$/.test(basename(at.file)) && folder !== 'all') return folder;
  throw badInput('missing field: the row names no subject and the file name does not tell it', { file: at.file, line: at.line, field: 'subject' });
}
