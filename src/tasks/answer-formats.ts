// How each task reads a model's answer and writes one back: all that `w2s score` needs of a task. Free of the tasks'
// record schemas (zod), so scoring does not load them; the tasks themselves are built on these same functions.
import type { Variation } from '../core/types.js';
import { badInput } from '../errors.js';
import { parseOptionAnswer, parseOptionLetter, renderOptionContent, renderOptionLetter } from './multiple-choice.js';
import { isSyntheticTaskName, isTaskName, unknownTask } from './names.js';
import { parseFirstLineNumber } from './numeric.js';
import { JUDGEMENT_WORDS } from './synthetic/lexicon.js';

/** A task's answer parser and renderer, as the task has them (`Task.parseAnswer`, `Task.renderAnswer`). */
export interface AnswerFormat {
  parseAnswer(output: string, variation: Pick<Variation, 'choices' | 'prompt'>): string | null;
  renderAnswer(answer: string, variation: Pick<Variation, 'choices' | 'prompt'>): string;
}

/** The answer format of a task by name (the names getTask takes); an unknown name is bad input, as there. */
export function answerFormat(name: string): AnswerFormat {
  switch (isTaskName(name) || isSyntheticTaskName(name) ? name : undefined) {
    case 'hellaswag':
    case 'mmlu':
      return { parseAnswer: (output, variation) => parseOptionLetter(output, variation), renderAnswer: (answer, variation) => renderOptionLetter(answer, variation) };
    case 'ethics':
      return { parseAnswer: parseEthicsAnswer, renderAnswer: (answer, variation) => renderEthicsAnswer(answer, variation) };
    case 'gsm8k':
    case 'synthetic-arithmetic':
      return { parseAnswer: (output) => parseFirstLineNumber(output), renderAnswer: (answer) => ` ${answer}` };
    case 'synthetic-knowledge':
    case 'synthetic-continuation':
      return { parseAnswer: (output, variation) => parseOptionAnswer(output, variation), renderAnswer: (answer, variation) => renderOptionContent(answer, variation, false) };
    case 'synthetic-judgement':
      return { parseAnswer: parseJudgementAnswer, renderAnswer: renderJudgementAnswer };
    default:
      throw unknownTask(name);
  }
}

/** The two label words of an ETHICS prompt template: index 0 means label 0, index 1 label 1. */
export type LabelWords = readonly [string, string];

/** ETHICS' label words for short stories and for long ones (App. B.3). */
export const ETHICS_SHORT_WORDS: LabelWords = ['acceptable', 'unacceptable'];
export const ETHICS_LONG_WORDS: LabelWords = ['right', 'wrong'];

/** An ETHICS answer: the label its output names, in the words its prompt asks for (any of the four otherwise). */
export function parseEthicsAnswer(output: string, variation: Pick<Variation, 'prompt'>): string | null {
  return parseLabelWord(output, wordsOfPrompt(variation.prompt) ?? [ETHICS_SHORT_WORDS, ETHICS_LONG_WORDS]);
}

/** An ETHICS label as its prompt's label word; `isShort` (the record's) decides for a prompt that does not tell. */
export function renderEthicsAnswer(answer: string, variation: Pick<Variation, 'prompt'>, isShort?: boolean): string {
  const words = wordsOfPrompt(variation.prompt)?.[0] ?? (isShort === undefined ? undefined : isShort ? ETHICS_SHORT_WORDS : ETHICS_LONG_WORDS);
  if (!words) throw badInput('cannot tell from the prompt whether the label words are acceptable/unacceptable or right/wrong', { field: 'prompt' });
  return ` ${words[labelIndex(answer, 'an ETHICS label')]}`;
}

/** The synthetic judgement's answer: the first of "right" / "wrong" on the output's first non-blank line. */
export function parseJudgementAnswer(output: string): string | null {
  const line = firstLine(output);
  const match = /\b(right|wrong)\b/i.exec(line);
  if (!match) return null;
  return String(JUDGEMENT_WORDS.indexOf((match[1] as string).toLowerCase() as (typeof JUDGEMENT_WORDS)[number]));
}

/** A synthetic judgement label as its word. */
export function renderJudgementAnswer(answer: string): string {
  return ` ${JUDGEMENT_WORDS[labelIndex(answer, 'a judgement label')]}`;
}

function labelIndex(answer: string, what: string): 0 | 1 {
  if (answer === '0' || answer === '1') return answer === '0' ? 0 : 1;
  throw badInput(`answer "${answer}" is not ${what} (0 or 1)`, { field: 'answer' });
}

function firstLine(output: string): string {
  return output.split(/\r?\n/).find((candidate) => candidate.trim() !== '') ?? '';
}

// The label words a prompt asks for, told by its "Answer X or Y" sentence; undefined for a prompt of another shape
// (an annotation file's), where any of the four words is read.
function wordsOfPrompt(prompt: Variation['prompt'] | undefined): LabelWords[] | undefined {
  if (prompt === undefined) return undefined;
  for (const words of [ETHICS_SHORT_WORDS, ETHICS_LONG_WORDS]) {
    const [a, b] = words;
    if (prompt.includes(`Answer ${a} or ${b} `) || prompt.includes(`Answer ${b} or ${a} `)) return [words];
  }
  return undefined;
}

/**
 * The label ("0"/"1") named by the first label word, as a whole word, on the first non-blank line of the output;
 * "not" right before the word negates it ("Not wrong." is "0"). Null when the line names no label word.
 */
function parseLabelWord(output: string, vocabularies: readonly LabelWords[]): string | null {
  const line = firstLine(output);
  const words = vocabularies.flatMap((vocabulary) => vocabulary.map((word, index) => ({ word, index })));
  const pattern = new RegExp(`\\b(not\\s+)?(${words.map(({ word }) => word).join('|')})\\b`, 'i');
  const match = pattern.exec(line);
  if (!match) return null;
  const found = words.find(({ word }) => word === match[2]?.toLowerCase());
  if (!found) return null;
  const negated = match[1] !== undefined;
  return String(negated ? 1 - found.index : found.index);
}
