// GSM8K (openai/gsm8k, configuration `main`): grade-school math word problems with a numeric answer
// (docs/method.md, App. B.4). Variations are paraphrases of the question (Sec. 4.1).
import { z } from 'zod';
import type { Variation } from '../core/types.js';
import type { Rng } from '../core/rng.js';
import type { ParaphraseProvider } from '../core/variations.js';
import { firstNumber, parseFirstLineNumber } from './numeric.js';
import { templateParaphraser, templateParaphrases } from './paraphrase-template.js';
import { splitFromFileName } from './split-names.js';
import type { Question, RowContext, Task } from './types.js';
import { text, validateRow } from './validate.js';

/** A GSM8K problem with the hub's field names; `answer` is the worked solution ending in "#### N". */
export interface Gsm8kRecord extends Question {
  question: string;
  answer: string;
}

/** Options of the GSM8K task. */
export interface Gsm8kOptions {
  /** Where paraphrases come from (default: the built-in template paraphrases). */
  paraphraser?: ParaphraseProvider;
}

const rowSchema = z.object({ question: text, answer: text });

// The solution's final line "#### 72" holds the gold answer.
const FINAL_ANSWER = /^####\s*(.*)$/m;

/** App. B.4 prompt, verbatim. */
export function gsm8kPrompt(question: string): string {
  return (
    '### Instruction: The following is a grade-school level math question. In your response, provide the numerical ' +
    'answer in the first line, and then provide a brief explanation in the second line. ' +
    `Question: ${question}. ### Answer:`
  );
}

/** The gold answer of a GSM8K solution: the number after "####", normalised; null when there is none. */
export function gsm8kGold(answer: string): string | null {
  const final = FINAL_ANSWER.exec(answer);
  return final ? firstNumber(final[1] ?? '') : null;
}

/** The GSM8K task. */
export function gsm8kTask(options: Gsm8kOptions = {}): Task<Gsm8kRecord> {
  const paraphraser = options.paraphraser ?? templateParaphraser;

  const build = (texts: readonly string[]): Variation[] =>
    texts.map((question, variant) => ({ variant, prompt: gsm8kPrompt(question) }));

  return {
    name: 'gsm8k',
    variationKind: 'paraphrase',
    defaultVariations: 5,
    sourceSplits: ['train', 'test'],
    // App. B.4: the original training set halved into train and val; the original test set for test.
    splitPlan: {
      train: { kind: 'half', from: 'train', part: 0 },
      val: { kind: 'half', from: 'train', part: 1 },
      test: { kind: 'all', from: 'test' },
    },
    sourceSplitOf: (file) => splitFromFileName(file, { train: ['train'], test: ['test'] }),
    fromRow(row, at: RowContext) {
      const fields = validateRow(rowSchema, row, at);
      return { id: `gsm8k/${at.split}/${at.index}`, gold: gsm8kGold(fields.answer), question: fields.question, answer: fields.answer };
    },
    prompt: (record) => gsm8kPrompt(record.question),
    async variationTexts(record, n, rng: Rng) {
      const paraphrases = await paraphraser.paraphrase(record.question, n - 1, rng);
      return checkedTexts(record, [record.question, ...paraphrases], n, paraphraser.name);
    },
    variations(record, n, rng, texts) {
      if (texts) return build(checkedTexts(record, texts, n, paraphraser.name));
      // Only the built-in paraphrases can be made here; another provider's texts must come from variationTexts.
      if (paraphraser !== templateParaphraser) {
        throw new Error(`gsm8k: paraphrases from "${paraphraser.name}" are fetched with variationTexts before variations`);
      }
      return build([record.question, ...templateParaphrases(record.question, n - 1, rng)]);
    },
    parseAnswer: (output) => parseFirstLineNumber(output),
    renderAnswer: (answer) => ` ${answer}`,
    // The number on the first line, then the worked solution without its "#### N" line (the App. B.4 format).
    goldCompletion(record) {
      if (record.gold === null) return null;
      const rationale = record.answer.replace(FINAL_ANSWER, '').trimEnd();
      return ` ${record.gold}\n${rationale}`;
    },
  };
}

// A paraphrase provider's output is checked before it becomes prompts: N texts, the original first, all distinct
// and non-empty, so that variant 0 is the original prompt and no two variants are the same question.
function checkedTexts(record: Gsm8kRecord, texts: readonly string[], n: number, provider: string): string[] {
  const problem =
    texts.length !== n
      ? `${texts.length} texts for N = ${n}`
      : texts[0] !== record.question
        ? 'the first text is not the original question'
        : new Set(texts).size !== texts.length
          ? 'two texts are the same'
          : texts.some((t) => t.trim() === '')
            ? 'a text is empty'
            : undefined;
  if (problem) throw new Error(`gsm8k: paraphrases of ${record.id} from "${provider}": ${problem}`);
  return [...texts];
}
