// The closed vocabulary of a world: every word its corpus, prompts and answers can contain, so that the tokenizer
// gives each word one token and sequences stay as short as the text.
import { Rng } from '../../core/rng.js';
import { buildClosedVocabularyTokenizer } from '../../engine/tokenizers/closed-vocabulary.js';
import type { HfTokenizer } from '../../engine/tokenizers/tokenizer.js';
import { allFamilies } from './families.js';
import { LETTERS } from '../multiple-choice.js';
import { ARITHMETIC_TEMPLATES, type ArithmeticRecord, arithmeticPrompt, arithmeticQuestion } from './arithmetic.js';
import { arithmeticStatements, factStatements } from './sentences.js';
import { ROLES, type World, factValue, worldAttributes } from './world.js';

/** The special tokens of the suite's tokenizer. */
export const SUITE_SPECIAL_TOKENS = { bos: '<s>', eos: '</s>', pad: '<pad>' } as const;

/** The pieces byte-level pre-tokenization cuts a text into, without their spaces: runs of letters, digits or other. */
export function wordsOf(text: string): string[] {
  return text.match(/\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Every word of the world's texts: all fact statements, every family's prompts (every wording and label-word order)
 * and answers for every role, the option letters and every number an answer or a guess can be.
 */
export function suiteVocabulary(world: World): string[] {
  const words = new Set<string>();
  const add = (text: string): void => wordsOf(text).forEach((w) => words.add(w));
  for (const e of world.entities) {
    for (const attribute of worldAttributes(world)) factStatements(e.name, attribute, factValue(e, attribute)).forEach(add);
  }
  for (const f of world.arithmetic) arithmeticStatements(f).forEach(add);
  for (const family of allFamilies()) {
    for (const role of ROLES) {
      for (const record of family.records(world, role)) {
        for (const v of family.task.variations(record, family.task.defaultVariations, new Rng(0))) {
          add(v.prompt);
          if (record.gold !== null) add(family.task.renderAnswer(record.gold, v, record));
        }
        if (family.name === 'arithmetic') {
          for (let t = 0; t < ARITHMETIC_TEMPLATES; t++) add(arithmeticPrompt(arithmeticQuestion(record as ArithmeticRecord, t)));
        }
      }
    }
  }
  LETTERS.forEach((l) => add(`(${l}) ${l}.`));
  for (let n = 0; n <= 2 * world.config.maxOperand; n++) add(String(n));
  add('.');
  return [...words].sort();
}

/** The suite's tokenizer: byte-level BPE over the closed vocabulary, bos prepended when special tokens are asked for. */
export function suiteTokenizer(world: World): HfTokenizer {
  return buildClosedVocabularyTokenizer(suiteVocabulary(world), SUITE_SPECIAL_TOKENS);
}
