// Shared pieces of the multiple-choice tasks (HellaSwag, MMLU): option letters, the option orders of the
// variations (docs/method.md Sec. 4.1, App. A), and reading an answer letter back to the option it names.
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

// After an option's text, the letter that may follow it: "(B)", or "B" followed by punctuation or the end of a line.
const TRAILING_LETTER = /^\s*(?:\(([a-z])\)|([a-z])(?=[.):,]|\s*$|\s*\n))/i;
const ANSWER_PREFIX = /^answer\s*:\s*/i;

/**
 * The option an output names, in either order of letter and content: a leading letter form (see
 * {@link parseOptionLetter}), or the option's text first ("Paris", "Paris (B)", "Paris B."), matched case-insensitively
 * as a whole word or phrase, the longest option that fits. A letter after the text must name the same option, else the
 * output is contradictory and gives null; so does an output that starts with neither form.
 */
export function parseOptionAnswer(output: string, variation: Pick<Variation, 'choices'>): string | null {
  const byLetter = parseOptionLetter(output, variation);
  if (byLetter !== null) return byLetter;
  const choices = requireChoices(variation);
  const text = output.trimStart().replace(ANSWER_PREFIX, '');
  let best: string | null = null;
  for (const option of choices) {
    if (option === '' || text.slice(0, option.length).toLowerCase() !== option.toLowerCase()) continue;
    if (/[\p{L}\p{N}]/u.test(text.charAt(option.length))) continue;
    if (best === null || option.length > best.length) best = option;
  }
  if (best === null) return null;
  const letter = TRAILING_LETTER.exec(text.slice(best.length));
  if (!letter) return best;
  const index = LETTERS.indexOf((letter[1] ?? letter[2] ?? '').toUpperCase() as (typeof LETTERS)[number]);
  return index >= 0 && choices[index] === best ? best : null;
}

/**
 * The content-first completion for `answer` (an option text) under this variation: " <option text> (B)", or with
 * `withLetter` false the option text alone, " <option text>".
 */
export function renderOptionContent(answer: string, variation: Pick<Variation, 'choices'>, withLetter = true): string {
  const choices = requireChoices(variation);
  const index = choices.indexOf(answer);
  if (index < 0) throw badInput(`answer "${answer}" is not one of the options this variant showed`, { field: 'answer' });
  return withLetter ? ` ${answer} (${letterOf(index)})` : ` ${answer}`;
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
