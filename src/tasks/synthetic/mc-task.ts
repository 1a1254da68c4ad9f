// The Task shape both multiple-choice families share: option-order variations (N = 5 of the 24 orders) and answers
// written as the option's text (" red"). A model this small learns to recall the text; it does not learn to name
// the option by its letter, neither alone nor after the text (the suite's measurements: with " red (B)" the letter
// stayed a constant guess that contradicted the text, leaving most answers unreadable). The parser still reads a
// letter, alone or after the text, so outputs of other models are understood.
import { z } from 'zod';
import type { PermutationMode } from '../../core/variations.js';
import { letterOf, optionOrderVariations, parseOptionAnswer, renderOptionContent } from '../multiple-choice.js';
import { FOUR_OPTION_ORDERS, type Question, type RowContext, type Task } from '../types.js';
import { expected, integer, text, validateRow } from '../validate.js';
import { SYNTHETIC_SOURCE_SPLITS, SYNTHETIC_SPLIT_PLAN, syntheticSourceSplitOf } from './family.js';

/** A multiple-choice record: the options in their original display order and the gold option's index. */
export interface MultipleChoiceRecord extends Question {
  choices: string[];
  answer: number;
}

const choicesSchema = z.array(text, { error: expected('a list of 4 options') }).length(4, { error: 'expected exactly 4 options' });
const answerIndexSchema = integer.pipe(z.number().min(0, { error: 'expected 0 to 3' }).max(3, { error: 'expected 0 to 3' }));

export interface MultipleChoiceSpec<R extends MultipleChoiceRecord> {
  name: string;
  /** The record's prompt with the options in the display order `shown`. */
  render(record: R, shown: readonly string[]): string;
  /** The record's fields other than id, gold, choices and answer. */
  schema: z.ZodType<Omit<R, 'id' | 'gold' | 'choices' | 'answer'>>;
  permutationMode?: PermutationMode;
}

/** A multiple-choice Task over records read back from JSON Lines (`{..., choices, answer}`) or built by a family. */
export function multipleChoiceTask<R extends MultipleChoiceRecord>(spec: MultipleChoiceSpec<R>): Task<R> {
  const mode = spec.permutationMode ?? 'original-first';
  const rowSchema = z.object({ choices: choicesSchema, answer: answerIndexSchema });
  return {
    name: spec.name,
    variationKind: 'permutation',
    defaultVariations: 5,
    maxVariations: FOUR_OPTION_ORDERS,
    sourceSplits: SYNTHETIC_SOURCE_SPLITS,
    splitPlan: SYNTHETIC_SPLIT_PLAN,
    sourceSplitOf: syntheticSourceSplitOf,
    fromRow(row, at: RowContext) {
      const fields = validateRow(spec.schema, row, at);
      const { choices, answer } = validateRow(rowSchema, row, at);
      return { ...fields, id: `${spec.name}/${at.split}/${at.index}`, gold: choices[answer] ?? null, choices, answer } as R;
    },
    prompt: (record) => spec.render(record, record.choices),
    variations: (record, n, rng) => optionOrderVariations(record.choices, n, rng, mode, (shown) => spec.render(record, shown)),
    parseAnswer: (output, variation) => parseOptionAnswer(output, variation),
    renderAnswer: (answer, variation) => renderOptionContent(answer, variation, false),
    goldCompletion: (record) => (record.gold === null ? null : renderOptionContent(record.gold, { choices: record.choices }, false)),
  };
}

/** Writes options as "A. x B. y C. z D. w". */
export function optionList(shown: readonly string[]): string {
  return shown.map((option, i) => `${letterOf(i)}. ${option}`).join(' ');
}
