// Shared pieces of the multiple-choice tasks (HellaSwag, MMLU): option letters, the option orders of the
// variations (PAPER.md Sec. 4.1, App. A), and reading an answer letter back to the option it names.
import type { Variation } from '../core/types.js';
import type { Rng } from '../core/rng.js';
import { applyPermutation, choosePermutations, type PermutationMode } from '../core/variations.js';
import { badInput } from '../errors.js';

/** The option letters of the paper's four-option prompts. */
export const LETTERS = ['A', 'B', 'C', 'D'] as const;

/** The letter shown before the option at display position `index`. */
export function letterOf(index: number): string {
  const letter = LETTERS[index];
  if (letter === undefined) throw new RangeError(`no option letter for position ${index}`);
  return letter;
}

/**
 * The N variations of a multiple-choice question: each shows the options in one of N distinct orders and records
 * that order's option texts in `choices`, so an answer letter can be mapped back to the option it names.
 */
export function optionOrderVariations(
  options: readonly string[],
  n: number,
  rng: Rng,
  mode: PermutationMode,
  render: (shown: readonly string[]) => string,
): Variation[] {
  return choosePermutations(options.length, n, rng, mode).map((order, variant) => {
    const choices = applyPermutation(options, order);
    return { variant, prompt: render(choices), choices };
  });
}

// The forms the answer letter is accepted in, at the very start of the output (after white space):
// "B", "B.", "B)", "B:", "B," and "B. <option text>" (a letter then punctuation or the end of a line), "(B)",
// and "Answer: B" with any of these after it. A bare letter followed by a word ("A man ...") is not an answer.
const ANSWER_LETTER = /^(?:answer\s*:\s*)?(?:\(([a-z])\)|([a-z])(?=[.):,]|\s*$|\s*\n))/i;

/**
 * The option text an output names by its leading letter, mapped through the options this variation showed;
 * null when the output does not start with a letter form or names a letter past the last option.
 */
export function parseOptionLetter(output: string, variation: Pick<Variation, 'choices'>): string | null {
  const choices = requireChoices(variation);
  const match = ANSWER_LETTER.exec(output.trimStart());
  if (!match) return null;
  const letter = (match[1] ?? match[2] ?? '').toUpperCase();
  const index = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
  if (index < 0 || index >= choices.length) return null;
  return choices[index] ?? null;
}

/** The completion that answers with `answer` (an option text) under this variation: " B. <option text>". */
export function renderOptionLetter(answer: string, variation: Pick<Variation, 'choices'>): string {
  const choices = requireChoices(variation);
  const index = choices.indexOf(answer);
  if (index < 0) throw badInput(`answer "${answer}" is not one of the options this variant showed`, { field: 'answer' });
  return ` ${letterOf(index)}. ${answer}`;
}

function requireChoices(variation: Pick<Variation, 'choices'>): readonly string[] {
  if (!variation.choices || variation.choices.length === 0) {
    throw badInput('a multiple-choice answer needs the options in the order this variant showed them', { field: 'choices' });
  }
  return variation.choices;
}
